/**
 * tool-github, against `tools.tool-github.base_url` (default https://api.github.com) with the
 * token from `tools.tool-github.token` (a secret reference).
 * - get_pr_diff: `repo` ("owner/name", default the event's `repo`), `number` (default the event's
 *   `payload.number`). Output: the unified diff text.
 * - post_pr_comment: same `repo`/`number`, `body` (or `comment`/`message`; default the previous
 *   step's output). With `marker` (e.g. "pr-review"), the comment carries `<!-- evd:<marker> -->`
 *   and a later run edits that comment (the oldest one carrying it) instead of adding another: one
 *   review per pull request, updated on each push. Output: `{ id, url, updated }`. Every comment
 *   also ends with `commentMarker` (`guardrails.self_comments.marker`, an HTML comment GitHub does
 *   not show), so the comment events GitHub sends back are known as this project's own
 *   (shared/guardrails/loop-guard.ts).
 * - upsert_issue: `repo`, `title`, `body` (default the previous step's output), `marker` (required:
 *   what makes two runs the same issue, e.g. an alert's fingerprint), `labels` (new issues only).
 *   An open issue carrying `<!-- evd:<marker> -->` is edited (title and body); else one is opened.
 *   Output: `{ number, url, created }`.
 * Lists are read 100 per page, at most 10 pages (github-api.ts): past 1,000 comments or open
 * issues an older marked one is not found and a new one is made.
 */
import { asText, optionalString, requiredString } from "./args.ts";
import { badArgument } from "./errors.ts";
import { GithubApi, type GithubApiOptions } from "./github-api.ts";
import type { Tool, ToolContext } from "./tool.ts";

const NAME = "tool-github";

export interface GithubToolOptions extends GithubApiOptions {
  /** Appended to every comment written. @default none */
  readonly commentMarker?: string;
}

/** What a marker may hold: it lives inside an HTML comment, so no `--` and no `>`. */
const MARKER_RE = /^[\w.:/#@+=-]{1,200}$/;

function repoOf(action: string, args: Record<string, unknown>, ctx: ToolContext): string {
  const payload = ctx.event?.payload ?? {};
  const repo =
    optionalString(NAME, action, args, "repo") ?? (typeof payload.repo === "string" ? payload.repo : undefined);
  if (!repo || !/^[\w.-]+\/[\w.-]+$/.test(repo))
    throw badArgument(
      NAME,
      action,
      `\`repo\` must be "owner/name"${repo ? `, got "${repo}"` : " (the event has no repo)"}`,
    );
  return repo;
}

function target(action: string, args: Record<string, unknown>, ctx: ToolContext): { repo: string; number: number } {
  const repo = repoOf(action, args, ctx);
  const rawNumber = args.number ?? ctx.event?.payload.number;
  const number = Number(rawNumber);
  if (!Number.isInteger(number) || number < 1)
    throw badArgument(
      NAME,
      action,
      `\`number\` must be a pull request number${rawNumber === undefined ? " (the event has none)" : `, got "${String(rawNumber)}"`}`,
    );
  return { repo, number };
}

/** The hidden tag a marked comment or issue carries, or undefined without a marker. */
function markerTag(action: string, args: Record<string, unknown>, required: boolean): string | undefined {
  const marker = optionalString(NAME, action, args, "marker");
  if (marker === undefined || marker === "") {
    if (required) throw badArgument(NAME, action, "`marker` is required: it tells a new issue from an update");
    return undefined;
  }
  if (!MARKER_RE.test(marker) || marker.includes("--"))
    throw badArgument(NAME, action, `\`marker\` "${marker}" may hold letters, digits and . : / # @ + = - (no "--")`);
  return `<!-- evd:${marker} -->`;
}

function textOf(action: string, args: Record<string, unknown>, ctx: ToolContext, keys: readonly string[]): string {
  for (const key of keys) {
    const value = optionalString(NAME, action, args, key);
    if (value) return value;
  }
  const previous = asText(ctx.previousOutput);
  if (!previous)
    throw badArgument(NAME, action, `nothing to post: give \`${keys[0]}\`, or run it after a step with output`);
  return previous;
}

function labelsOf(args: Record<string, unknown>): string[] | undefined {
  const labels = args.labels;
  if (labels === undefined || labels === null) return undefined;
  const list = typeof labels === "string" ? labels.split(",").map((l) => l.trim()) : labels;
  if (!Array.isArray(list) || !list.every((l) => typeof l === "string"))
    throw badArgument(NAME, "upsert_issue", "`labels` must be a list of names");
  return list.filter((l) => l !== "");
}

interface Comment {
  readonly id: number;
  readonly html_url?: string;
  readonly body?: string;
}
interface Issue {
  readonly number: number;
  readonly html_url?: string;
  readonly body?: string | null;
  readonly pull_request?: unknown;
}

export function githubTool(options: GithubToolOptions): Tool {
  const api = new GithubApi(options);
  return {
    name: NAME,
    async run(action, args, ctx) {
      const signal = ctx.signal;
      if (action === "get_pr_diff") {
        const { repo, number } = target(action, args, ctx);
        return { output: await api.diff(repo, number, signal), target: `${repo}#${number}` };
      }
      if (action === "post_pr_comment") {
        const { repo, number } = target(action, args, ctx);
        const tag = markerTag(action, args, false);
        const text = textOf(action, args, ctx, ["body", "comment", "message"]);
        const tagged = tag ? `${text}\n\n${tag}` : text;
        const self = options.commentMarker;
        const body = self && !tagged.includes(self) ? `${tagged}\n\n${self}` : tagged;
        const what = `post_pr_comment ${repo}#${number}`;
        const existing = tag
          ? await api.findFirst<Comment>(
              `/repos/${repo}/issues/${number}/comments`,
              what,
              (c) => c.body?.includes(tag) === true,
              signal,
            )
          : undefined;
        const comment = existing
          ? await api.json<Comment>("PATCH", `/repos/${repo}/issues/comments/${existing.id}`, what, { body }, signal)
          : await api.json<Comment>("POST", `/repos/${repo}/issues/${number}/comments`, what, { body }, signal);
        return {
          output: { id: comment.id ?? null, url: comment.html_url ?? null, updated: existing !== undefined },
          target: `${repo}#${number}`,
        };
      }
      if (action === "upsert_issue") {
        const repo = repoOf(action, args, ctx);
        const tag = markerTag(action, args, true)!;
        const title = requiredString(NAME, action, args, "title");
        const body = `${textOf(action, args, ctx, ["body"])}\n\n${tag}`;
        const labels = labelsOf(args);
        const what = `upsert_issue ${repo}`;
        const existing = await api.findFirst<Issue>(
          `/repos/${repo}/issues?state=open`,
          what,
          (i) => i.pull_request === undefined && (i.body ?? "").includes(tag),
          signal,
        );
        const issue = existing
          ? await api.json<Issue>("PATCH", `/repos/${repo}/issues/${existing.number}`, what, { title, body }, signal)
          : await api.json<Issue>(
              "POST",
              `/repos/${repo}/issues`,
              what,
              { title, body, ...(labels?.length ? { labels } : {}) },
              signal,
            );
        return {
          output: { number: issue.number, url: issue.html_url ?? null, created: existing === undefined },
          target: `${repo}#${issue.number}`,
        };
      }
      throw badArgument(NAME, action, "unknown action; expected get_pr_diff, post_pr_comment or upsert_issue");
    },
  };
}
