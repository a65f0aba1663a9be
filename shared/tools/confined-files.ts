/**
 * The port tool-filesystem does its file I/O through: files under one root folder, every path
 * relative to it, and no operation ever reaching outside it. Confinement must hold when the tree
 * changes while an operation runs (a folder swapped for a symlink between a check and a use):
 * an implementation checks and uses a path in one step. The Node implementation is
 * `shared/node/node-confined-files.ts`.
 *
 * Errors are the tools' own: PathEscapeError (permanent) for a path that leaves the root, ToolError
 * with `permanent` set from the cause (a full disk may pass; a name too long will not).
 */
export interface ConfinedFiles {
  /** The root folder, as configured (messages name it). */
  readonly root: string;
  /**
   * The text of the file at `path`, or undefined when nothing is there. Refuses (permanently) a
   * path that is not a file or a file larger than `maxBytes`.
   */
  readText(path: string, opts: { readonly action: string; readonly maxBytes: number }): Promise<string | undefined>;
  /**
   * Writes `content` at `path`, creating missing folders: atomically (a temporary file in the same
   * folder, then a rename), or appended. Resolves the path written, relative and `/`-separated.
   */
  writeText(
    path: string,
    content: string,
    opts: { readonly action: string; readonly append: boolean },
  ): Promise<string>;
  /** The entries under folder `path`, relative to the root, `/`-separated, folders ending with "/". */
  list(path: string, opts: { readonly action: string; readonly recursive: boolean }): Promise<string[]>;
}
