/**
 * tool-filesystem: read, write, append, list, confined to a root folder (see confine-path.ts).
 *
 * - read `path`: one file's text. A list of paths (e.g. `path: "{changed_files}"`) returns one
 *   text with a `--- <path> ---` header per file; listed files that no longer exist are marked
 *   `(deleted)` instead of failing (file_change batches include deletions).
 * - write/append `path`, `content`: `content` defaults to the previous step's output; `path`
 *   defaults to the handler's `config.output_path`, else `<handler>.out.md`. Parent folders are
 *   created. Writes are atomic (temporary file in the same folder, then rename).
 * - list `path` (default "."), `recursive` (default false): relative paths, folders end with "/".
 */
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { asText, optionalString } from "./args.ts";
import { confinePath } from "./confine-path.ts";
import { ToolError, badArgument } from "./errors.ts";
import type { Tool, ToolContext, ToolResult } from "./tool.ts";

const NAME = "tool-filesystem";
/** Files larger than this are refused by `read`. */
export const MAX_READ_BYTES = 5 * 1024 * 1024;

function toPosix(path: string): string {
  return path.split(sep).join("/");
}

async function readOne(root: string, userPath: string): Promise<string> {
  const full = await confinePath(root, userPath, `${NAME} read`);
  let info;
  try {
    info = await stat(full);
  } catch (error) {
    throw new ToolError(`${NAME} read: "${userPath}" does not exist under ${root}`, { permanent: true, cause: error });
  }
  if (!info.isFile()) throw badArgument(NAME, "read", `"${userPath}" is not a file`);
  if (info.size > MAX_READ_BYTES)
    throw badArgument(NAME, "read", `"${userPath}" is ${info.size} bytes, over the ${MAX_READ_BYTES}-byte limit`);
  return readFile(full, "utf8");
}

async function read(root: string, args: Record<string, unknown>): Promise<ToolResult> {
  const path = args.path;
  if (Array.isArray(path)) {
    const parts: string[] = [];
    for (const item of path) {
      if (typeof item !== "string") throw badArgument(NAME, "read", "`path` list must hold text paths");
      const full = await confinePath(root, item, `${NAME} read`);
      const present = await stat(full).then(
        () => true,
        () => false,
      );
      parts.push(`--- ${item} ---\n${present ? await readOne(root, item) : "(deleted)"}`);
    }
    const shown = path.length > 5 ? `${path.slice(0, 5).join(",")} (+${path.length - 5} more)` : path.join(",");
    return { output: parts.join("\n\n"), target: shown };
  }
  const single = optionalString(NAME, "read", args, "path");
  if (!single) throw badArgument(NAME, "read", "`path` is required (a path or a list of paths)");
  return { output: await readOne(root, single), target: single };
}

function targetPath(args: Record<string, unknown>, action: string, ctx: ToolContext): string {
  const given = optionalString(NAME, action, args, "path");
  if (given) return given;
  const configured = ctx.handlerConfig?.output_path;
  if (typeof configured === "string" && configured !== "") return configured;
  return `${ctx.handler}.out.md`;
}

async function write(
  root: string,
  args: Record<string, unknown>,
  ctx: ToolContext,
  action: "write" | "append",
): Promise<ToolResult> {
  const userPath = targetPath(args, action, ctx);
  const content = args.content !== undefined ? asText(args.content) : asText(ctx.previousOutput);
  const full = await confinePath(root, userPath, `${NAME} ${action}`);
  await mkdir(dirname(full), { recursive: true });
  if (action === "append") {
    await appendFile(full, content, "utf8");
  } else {
    const tmp = join(dirname(full), `.${basename(full)}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await writeFile(tmp, content, { encoding: "utf8", flag: "wx" });
      await rename(tmp, full);
    } catch (error) {
      await rm(tmp, { force: true });
      throw new ToolError(`${NAME} ${action}: cannot write "${userPath}": ${(error as Error).message}`, {
        permanent: false,
        cause: error,
      });
    }
  }
  const rel = toPosix(relative(root, full));
  return { output: { path: rel, bytes: Buffer.byteLength(content) }, target: rel };
}

async function list(root: string, args: Record<string, unknown>): Promise<ToolResult> {
  const userPath = optionalString(NAME, "list", args, "path") ?? ".";
  const recursive = args.recursive === true || args.recursive === "true";
  const full = await confinePath(root, userPath, `${NAME} list`);
  let entries;
  try {
    entries = await readdir(full, { withFileTypes: true, recursive });
  } catch (error) {
    throw new ToolError(`${NAME} list: cannot list "${userPath}": ${(error as Error).message}`, {
      permanent: true,
      cause: error,
    });
  }
  const out = entries
    .map((e) => {
      const rel = toPosix(relative(root, join(e.parentPath, e.name)));
      return e.isDirectory() ? `${rel}/` : rel;
    })
    .sort();
  return { output: out, target: userPath };
}

export function filesystemTool(root: string): Tool {
  return {
    name: NAME,
    async run(action, args, ctx) {
      switch (action) {
        case "read":
          return read(root, args);
        case "write":
          return write(root, args, ctx, "write");
        case "append":
          return write(root, args, ctx, "append");
        case "list":
          return list(root, args);
        default:
          throw badArgument(NAME, action, "unknown action; expected read, write, append or list");
      }
    },
  };
}
