/**
 * Turns the lines git gives a `pre-push` hook on stdin (`<local ref> <local sha> <remote ref>
 * <remote sha>`) into GitHub-like push payloads (`ref`, `before`, `after`, `created`, `deleted`,
 * `repository.full_name`, `commits[]` with added/modified/removed, `head_commit`), so the
 * handlers meant for GitHub pushes run on local pushes too.
 */
import { execFileSync } from "node:child_process";
import { basename } from "node:path";

export const ZERO_SHA = "0000000000000000000000000000000000000000";
const MAX_COMMITS = 20;

export class GitHookError extends Error {
  override readonly name = "GitHookError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface RefUpdate {
  readonly localRef: string;
  readonly localSha: string;
  readonly remoteRef: string;
  readonly remoteSha: string;
}

/** Parses pre-push stdin; a malformed line is an error naming it. */
export function parsePrePushInput(text: string): RefUpdate[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((line, i) => {
      const parts = line.split(/\s+/);
      if (parts.length !== 4 || !/^[0-9a-f]{40,64}$/.test(parts[1]!) || !/^[0-9a-f]{40,64}$/.test(parts[3]!)) {
        throw new GitHookError(
          `pre-push input line ${i + 1} is not "<local ref> <local sha> <remote ref> <remote sha>": ${line}`,
        );
      }
      return { localRef: parts[0]!, localSha: parts[1]!, remoteRef: parts[2]!, remoteSha: parts[3]! };
    });
}

function git(repo: string, args: readonly string[]): string {
  try {
    return execFileSync("git", ["-C", repo, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    throw new GitHookError(
      `git ${args.join(" ")} failed in ${repo}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`,
      { cause: err },
    );
  }
}

/** `owner/name` from a remote URL (GitHub-style), else `local/<folder name>`. */
export function repoFullName(repo: string, remoteUrl?: string): string {
  const m = remoteUrl ? /[:/]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(remoteUrl) : null;
  if (m) return `${m[1]}/${m[2]}`;
  return `local/${basename(repo.replace(/\/\.git\/?$/, "")) || "repo"}`;
}

interface Commit {
  id: string;
  tree_id: string;
  message: string;
  timestamp: string;
  author: { name: string; email: string };
  added: string[];
  modified: string[];
  removed: string[];
}

function commitsBetween(repo: string, before: string, after: string): Commit[] {
  const range = before === ZERO_SHA ? [after, "--not", "--remotes"] : [`${before}..${after}`];
  const log = git(repo, [
    "log",
    `--max-count=${MAX_COMMITS}`,
    "--reverse",
    "--format=%H%x1f%T%x1f%aI%x1f%an%x1f%ae%x1f%s",
    ...range,
  ]);
  return log
    .split("\n")
    .filter((l) => l !== "")
    .map((line) => {
      const [id, tree, at, name, email, subject] = line.split("\x1f") as [
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      const c: Commit = {
        id,
        tree_id: tree,
        message: subject,
        timestamp: at,
        author: { name, email },
        added: [],
        modified: [],
        removed: [],
      };
      const status = git(repo, ["diff-tree", "--no-commit-id", "--root", "-r", "--name-status", id]);
      for (const row of status.split("\n").filter((r) => r !== "")) {
        const [code, ...paths] = row.split("\t");
        const path = paths.at(-1)!;
        if (code?.startsWith("A")) c.added.push(path);
        else if (code?.startsWith("D")) c.removed.push(path);
        else c.modified.push(path);
      }
      return c;
    });
}

/** One GitHub-like push payload per updated ref. */
export function pushPayloads(input: {
  repo: string;
  updates: readonly RefUpdate[];
  remoteName?: string;
  remoteUrl?: string;
  pusher?: string;
}): Record<string, unknown>[] {
  const fullName = repoFullName(input.repo, input.remoteUrl);
  const [owner, name] = fullName.split("/") as [string, string];
  return input.updates.map((u) => {
    const deleted = u.localSha === ZERO_SHA;
    const created = u.remoteSha === ZERO_SHA;
    const commits = deleted ? [] : commitsBetween(input.repo, u.remoteSha, u.localSha);
    const files = deleted
      ? []
      : created
        ? [...new Set(commits.flatMap((c) => [...c.added, ...c.modified, ...c.removed]))]
        : git(input.repo, ["diff", "--name-only", u.remoteSha, u.localSha])
            .split("\n")
            .filter((l) => l !== "");
    return {
      ref: u.remoteRef,
      before: u.remoteSha,
      after: u.localSha,
      created,
      deleted,
      forced: false,
      repository: { name, full_name: fullName, owner: { name: owner, login: owner } },
      pusher: { name: input.pusher ?? "local" },
      sender: { login: input.pusher ?? "local", type: "User" },
      commits,
      head_commit: commits.at(-1) ?? null,
      files,
      local: { remote: input.remoteName ?? null, url: input.remoteUrl ?? null, local_ref: u.localRef },
    };
  });
}
