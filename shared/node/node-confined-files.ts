/**
 * The Node implementation of ConfinedFiles (shared/tools/confined-files.ts): paths are walked
 * component by component from the root, each folder opened without following links
 * (`O_DIRECTORY | O_NOFOLLOW`) RELATIVE TO THE FOLDER OPENED BEFORE IT, and the last component
 * opened `O_NOFOLLOW` in the last folder. Node has no `openat()`, so on Linux "relative to an open
 * folder" is `/proc/self/fd/<fd>/<name>`: the kernel resolves it through the open descriptor,
 * whatever has been renamed or swapped since. A symlink met on the way is read and its target
 * resolved lexically: inside the root, the walk starts again along the target (still without
 * following links); outside, the operation is refused. So the check and the use of a path are one
 * step: swapping a folder for a symlink during a write cannot move the write outside the root.
 *
 * Elsewhere (no /proc/self/fd, e.g. macOS) the same walk runs on plain paths: every component is
 * still opened O_NOFOLLOW, which narrows the window between check and use but cannot close it.
 */
import { randomBytes } from "node:crypto";
import { constants, existsSync } from "node:fs";
import { open, readdir, realpath, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ConfinedFiles } from "../tools/confined-files.ts";
import { confinedParts, joinParts } from "../tools/confine-path.ts";
import { ToolError } from "../tools/errors.ts";
import { Dir, PROC_FD, Walk } from "./confined-walk.ts";

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_DIRECTORY, O_NOFOLLOW } = constants;
/** Failures a later attempt can overcome; every other errno (a name too long, a missing folder...) is final. */
const RETRYABLE = new Set(["EAGAIN", "EBUSY", "EMFILE", "ENFILE", "ENOSPC", "EDQUOT", "EIO", "EINTR", "ETIMEDOUT"]);

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** A failed file operation as a ToolError: permanent unless its errno may pass. */
export function fileOperationError(message: string, error: unknown): ToolError {
  const code = codeOf(error);
  return new ToolError(`${message}: ${(error as Error).message}`, {
    permanent: code === undefined || !RETRYABLE.has(code),
    cause: error,
  });
}

export function nodeConfinedFiles(root: string, label = "tool-filesystem"): ConfinedFiles {
  const viaFd = process.platform === "linux" && existsSync(PROC_FD);

  async function start(userPath: string, action: string): Promise<{ walk: Walk; parts: string[]; what: string }> {
    const what = `${label} ${action}`;
    const parts = confinedParts(userPath, what, root);
    const realRoot = await realpath(root).catch((error: unknown) => {
      throw new ToolError(`${what}: the tool root ${root} does not exist (tools.${label}.root)`, {
        permanent: true,
        cause: error,
      });
    });
    return { walk: new Walk(root, realRoot, what, userPath, viaFd), parts, what };
  }

  return {
    root,

    async readText(userPath, { action, maxBytes }) {
      const { walk, parts, what } = await start(userPath, action);
      if (parts.length === 0) throw new ToolError(`${what}: "${userPath}" is not a file`, { permanent: true });
      try {
        return await walk.atLast(parts, false, async (dir, name) => {
          const handle = await open(dir.at(name), O_RDONLY | O_NOFOLLOW);
          try {
            const info = await handle.stat();
            if (!info.isFile()) throw new ToolError(`${what}: "${userPath}" is not a file`, { permanent: true });
            if (info.size > maxBytes)
              throw new ToolError(`${what}: "${userPath}" is ${info.size} bytes, over the ${maxBytes}-byte limit`, {
                permanent: true,
              });
            return await handle.readFile("utf8");
          } finally {
            await handle.close();
          }
        });
      } catch (error) {
        if (error instanceof ToolError) throw error;
        if (codeOf(error) === "ENOENT" || codeOf(error) === "ENOTDIR") return undefined;
        throw fileOperationError(`${what}: cannot read "${userPath}"`, error);
      }
    },

    async writeText(userPath, content, { action, append }) {
      const { walk, parts, what } = await start(userPath, action);
      if (parts.length === 0)
        throw new ToolError(`${what}: "${userPath}" is a folder, not a file`, { permanent: true });
      try {
        return await walk.atLast(parts, true, async (dir, name) => {
          if (append) {
            const handle = await open(dir.at(name), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o666);
            try {
              await handle.writeFile(content, "utf8");
            } finally {
              await handle.close();
            }
          } else {
            // Atomic: a new file next to the target, then a rename over it (never through a link).
            const tmp = `.${name}.${randomBytes(6).toString("hex")}.tmp`;
            try {
              const handle = await open(dir.at(tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666);
              try {
                await handle.writeFile(content, "utf8");
              } finally {
                await handle.close();
              }
              await rename(dir.at(tmp), dir.at(name));
            } catch (error) {
              await rm(dir.at(tmp), { force: true }).catch(() => undefined);
              throw error;
            }
          }
          return joinParts([...dir.parts, name]);
        });
      } catch (error) {
        if (error instanceof ToolError) throw error;
        throw fileOperationError(`${what}: cannot write "${userPath}"`, error);
      }
    },

    async list(userPath, { action, recursive }) {
      const { walk, parts, what } = await start(userPath, action);
      let dir: Dir;
      try {
        dir = await walk.openDir(parts, false);
      } catch (error) {
        if (error instanceof ToolError) throw error;
        throw fileOperationError(`${what}: cannot list "${userPath}"`, error);
      }
      const out: string[] = [];
      const visit = async (d: Dir): Promise<void> => {
        for (const entry of await readdir(d.self(), { withFileTypes: true })) {
          const rel = joinParts([...d.parts, entry.name]);
          if (!entry.isDirectory()) {
            out.push(rel);
            continue;
          }
          out.push(`${rel}/`);
          if (!recursive) continue;
          // Each subfolder opened from its parent's descriptor, never through a link.
          const handle = await open(d.at(entry.name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW).catch(() => undefined);
          if (!handle) continue;
          const child = new Dir(handle, [...d.parts, entry.name], join(d.self(), entry.name), viaFd);
          try {
            await visit(child);
          } finally {
            await child.close();
          }
        }
      };
      try {
        await visit(dir);
      } catch (error) {
        throw fileOperationError(`${what}: cannot list "${userPath}"`, error);
      } finally {
        await dir.close();
      }
      return out.sort();
    },
  };
}
