/**
 * Confines user paths to a root folder: absolute paths and `..` are refused, and so are symlinks
 * (anywhere along the path) that resolve outside the root. For paths that do not exist yet, the
 * nearest existing ancestor is checked.
 */
import { lstat, realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { PathEscapeError, ToolError } from "./errors.ts";

export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Returns the absolute path of `userPath` inside `root`, or throws PathEscapeError. */
export async function confinePath(root: string, userPath: string, what: string): Promise<string> {
  if (userPath.includes("\0")) throw new PathEscapeError(`${what}: path contains a NUL byte`);
  if (isAbsolute(userPath) || /^[A-Za-z]:[\\/]/.test(userPath)) {
    throw new PathEscapeError(
      `${what}: "${userPath}" is an absolute path; paths must be relative to the tool root ${root}`,
    );
  }
  const full = resolve(root, userPath);
  if (!isInside(root, full)) throw new PathEscapeError(`${what}: "${userPath}" leaves the tool root ${root}`);
  const realRoot = await realpath(root).catch((error: unknown) => {
    throw new ToolError(`${what}: the tool root ${root} does not exist (tools.tool-filesystem.root)`, {
      permanent: true,
      cause: error,
    });
  });
  let probe = full;
  while (!(await exists(probe)) && probe !== root) probe = dirname(probe);
  const realProbe = await realpath(probe).catch(() => {
    throw new PathEscapeError(`${what}: "${userPath}" goes through a broken symlink`);
  });
  if (!isInside(realRoot, realProbe)) {
    throw new PathEscapeError(
      `${what}: "${userPath}" resolves through a symlink to ${realProbe}, outside the tool root ${root}`,
    );
  }
  return full;
}
