/**
 * The lexical half of path confinement, pure: a user path becomes the list of its parts below the
 * root, or a PathEscapeError (absolute path, NUL byte, `..` climbing out). Symlinks are the other
 * half: the file system adapter follows them itself, component by component (see
 * shared/node/node-confined-files.ts), and refuses one that leads out.
 */
import { PathEscapeError } from "./errors.ts";

/** Joins `parts` (from `confinedParts`) back into a relative, `/`-separated path ("." for the root). */
export function joinParts(parts: readonly string[]): string {
  return parts.length === 0 ? "." : parts.join("/");
}

/**
 * Normalizes `path` against `base` (parts already inside the root): `.` dropped, `..` climbing,
 * `//` collapsed. Returns undefined when `..` would climb above the root.
 */
export function resolveParts(base: readonly string[], path: string): string[] | undefined {
  const out = [...base];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out;
}

/** The parts of `userPath` below the root; `what` and `root` name the operation in errors. */
export function confinedParts(userPath: string, what: string, root: string): string[] {
  if (userPath.includes("\0")) throw new PathEscapeError(`${what}: path contains a NUL byte`);
  if (userPath.startsWith("/") || /^[A-Za-z]:[\\/]/.test(userPath) || userPath.startsWith("\\\\")) {
    throw new PathEscapeError(
      `${what}: "${userPath}" is an absolute path; paths must be relative to the tool root ${root}`,
    );
  }
  const parts = resolveParts([], userPath);
  if (parts === undefined) throw new PathEscapeError(`${what}: "${userPath}" leaves the tool root ${root}`);
  return parts;
}
