/** The port tool-git-advanced runs git through: stdout of `git -C repo <args>`, or a rejection with `stderr`. */
export type RunGit = (repo: string, args: readonly string[], signal?: AbortSignal) => Promise<string>;
