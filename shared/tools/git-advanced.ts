/**
 * tool-git-advanced: `log` and `diff` through the git port (`RunGit`; its Node adapter in
 * shared/node runs the binary with an argument array, never a shell). Refs and `since` are
 * checked so they cannot become options.
 *
 * - log: `since` (e.g. "1 week ago"), `max_count` (default 200), `path` (optional). Output: one
 *   line per commit, `<short hash> <date> <author>: <subject>`.
 * - diff: `base`, `head` (refs), `path`. No refs: working tree against HEAD; `base` only:
 *   `base` against the working tree; both: `base..head`.
 */
import { optionalString } from "./args.ts";
import { ToolError, badArgument } from "./errors.ts";
import { nodeRunGit } from "../node/node-git.ts";
import type { RunGit } from "./git-runner.ts";
import type { Tool, ToolResult } from "./tool.ts";

const NAME = "tool-git-advanced";
const REF_RE = /^[\w./~^@{}:+-]+$/;

function ref(action: string, args: Record<string, unknown>, key: string): string | undefined {
  const value = optionalString(NAME, action, args, key);
  if (value === undefined || value === "") return undefined;
  if (value.startsWith("-") || !REF_RE.test(value))
    throw badArgument(NAME, action, `\`${key}\` "${value}" is not a git ref`);
  return value;
}

async function git(runGit: RunGit, repo: string, args: readonly string[], signal?: AbortSignal): Promise<string> {
  try {
    return await runGit(repo, args, signal);
  } catch (error) {
    const detail = String((error as { stderr?: unknown }).stderr ?? "").trim() || (error as Error).message;
    throw new ToolError(`${NAME}: git ${args[0]} failed in ${repo}: ${detail}`, {
      permanent: !signal?.aborted,
      cause: error,
    });
  }
}

async function log(
  runGit: RunGit,
  repo: string,
  args: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<ToolResult> {
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
  const out = await git(runGit, repo, cmd, signal);
  return { output: out.trim(), target: since ? `since ${since}` : undefined };
}

async function diff(
  runGit: RunGit,
  repo: string,
  args: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<ToolResult> {
  const base = ref("diff", args, "base");
  const head = ref("diff", args, "head");
  if (head && !base) throw badArgument(NAME, "diff", "`head` needs `base`");
  const path = optionalString(NAME, "diff", args, "path");
  const cmd = ["diff", "--no-color", "--no-ext-diff"];
  if (base && head) cmd.push(`${base}..${head}`);
  else cmd.push(base ?? "HEAD");
  if (path) cmd.push("--", path);
  const out = await git(runGit, repo, cmd, signal);
  return { output: out, target: base && head ? `${base}..${head}` : (base ?? "HEAD") };
}

/**
 * `repo` is the repository folder (config `tools.tool-git-advanced.repo`, else the config folder);
 * git runs through `runGit` (the Node adapter runs the binary).
 */
export function gitAdvancedTool(repo: string, runGit: RunGit = nodeRunGit): Tool {
  return {
    name: NAME,
    async run(action, args, ctx) {
      switch (action) {
        case "log":
          return log(runGit, repo, args, ctx.signal);
        case "diff":
          return diff(runGit, repo, args, ctx.signal);
        default:
          throw badArgument(NAME, action, "unknown action; expected log or diff");
      }
    },
  };
}
