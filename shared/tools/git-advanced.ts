/**
 * tool-git-advanced: `log` and `diff` through the `git` binary, run as a child process with an
 * argument array (never a shell). Refs and `since` are checked so they cannot become options.
 *
 * - log: `since` (e.g. "1 week ago"), `max_count` (default 200), `path` (optional). Output: one
 *   line per commit, `<short hash> <date> <author>: <subject>`.
 * - diff: `base`, `head` (refs), `path`. No refs: working tree against HEAD; `base` only:
 *   `base` against the working tree; both: `base..head`.
 */
import { execFile } from "node:child_process";
import { optionalString } from "./args.ts";
import { ToolError, badArgument } from "./errors.ts";
import type { Tool, ToolResult } from "./tool.ts";

const NAME = "tool-git-advanced";
const MAX_OUTPUT = 10 * 1024 * 1024;
const REF_RE = /^[\w./~^@{}:+-]+$/;

function ref(action: string, args: Record<string, unknown>, key: string): string | undefined {
  const value = optionalString(NAME, action, args, key);
  if (value === undefined || value === "") return undefined;
  if (value.startsWith("-") || !REF_RE.test(value))
    throw badArgument(NAME, action, `\`${key}\` "${value}" is not a git ref`);
  return value;
}

function git(repo: string, args: readonly string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", ["-C", repo, "--no-pager", ...args], { maxBuffer: MAX_OUTPUT, signal }, (error, stdout, stderr) => {
      if (error) {
        const detail = String(stderr).trim() || error.message;
        reject(
          new ToolError(`${NAME}: git ${args[0]} failed in ${repo}: ${detail}`, {
            permanent: !signal?.aborted,
            cause: error,
          }),
        );
      } else {
        resolve(String(stdout));
      }
    });
  });
}

async function log(repo: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolResult> {
  const since = optionalString(NAME, "log", args, "since");
  if (since !== undefined && (since.startsWith("-") || since.includes("\n")))
    throw badArgument(NAME, "log", `\`since\` "${since}" is not a date`);
  const maxCount = Number(args.max_count ?? 200);
  if (!Number.isInteger(maxCount) || maxCount < 1)
    throw badArgument(NAME, "log", "`max_count` must be a positive integer");
  const path = optionalString(NAME, "log", args, "path");
  const cmd = ["log", `--max-count=${maxCount}`, "--date=short", "--pretty=format:%h %ad %an: %s"];
  if (since) cmd.push(`--since=${since}`);
  if (path) cmd.push("--", path);
  const out = await git(repo, cmd, signal);
  return { output: out.trim(), target: since ? `since ${since}` : undefined };
}

async function diff(repo: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolResult> {
  const base = ref("diff", args, "base");
  const head = ref("diff", args, "head");
  if (head && !base) throw badArgument(NAME, "diff", "`head` needs `base`");
  const path = optionalString(NAME, "diff", args, "path");
  const cmd = ["diff", "--no-color", "--no-ext-diff"];
  if (base && head) cmd.push(`${base}..${head}`);
  else cmd.push(base ?? "HEAD");
  if (path) cmd.push("--", path);
  const out = await git(repo, cmd, signal);
  return { output: out, target: base && head ? `${base}..${head}` : (base ?? "HEAD") };
}

/** `repo` is the repository folder (config `tools.tool-git-advanced.repo`, else the config folder). */
export function gitAdvancedTool(repo: string): Tool {
  return {
    name: NAME,
    async run(action, args, ctx) {
      switch (action) {
        case "log":
          return log(repo, args, ctx.signal);
        case "diff":
          return diff(repo, args, ctx.signal);
        default:
          throw badArgument(NAME, action, "unknown action; expected log or diff");
      }
    },
  };
}
