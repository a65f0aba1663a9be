/**
 * tool-github, against `tools.tool-github.base_url` (default https://api.github.com) with the
 * token from `tools.tool-github.token` (a secret reference).
 * - get_pr_diff: `repo` ("owner/name", default the event's `repo`), `number` (default the event's
 *   `payload.number`). Output: the unified diff text.
 * - post_pr_comment: same `repo`/`number`, `body` (or `comment`/`message`; default the previous
 *   step's output). Output: `{ id, url }`. The comment ends with the marker
 *   (`guardrails.self_comments.marker`, an HTML comment GitHub does not show), so the comment
 *   events GitHub sends back are known as this project's own (shared/guardrails/loop-guard.ts).
 */
import { asText, optionalString } from "./args.ts";
import { ToolError, badArgument } from "./errors.ts";
import { expectOk, fetchLimited } from "./fetch-limited.ts";
import type { Tool, ToolContext } from "./tool.ts";

const NAME = "tool-github";

export interface GithubToolOptions {
  readonly baseUrl: string;
  /** Resolves the token; undefined when not configured (public reads only). */
  readonly token: () => Promise<string | undefined>;
  readonly fetch: typeof fetch;
  /** Appended to every comment written. @default none */
  readonly commentMarker?: string;
}

function target(action: string, args: Record<string, unknown>, ctx: ToolContext): { repo: string; number: number } {
  const payload = ctx.event?.payload ?? {};
  const repo =
    optionalString(NAME, action, args, "repo") ?? (typeof payload.repo === "string" ? payload.repo : undefined);
  if (!repo || !/^[\w.-]+\/[\w.-]+$/.test(repo))
    throw badArgument(
      NAME,
      action,
      `\`repo\` must be "owner/name"${repo ? `, got "${repo}"` : " (the event has no repo)"}`,
    );
  const rawNumber = args.number ?? payload.number;
  const number = Number(rawNumber);
  if (!Number.isInteger(number) || number < 1)
    throw badArgument(
      NAME,
      action,
      `\`number\` must be a pull request number${rawNumber === undefined ? " (the event has none)" : `, got "${String(rawNumber)}"`}`,
    );
  return { repo, number };
}

export function githubTool(options: GithubToolOptions): Tool {
  const base = options.baseUrl.replace(/\/+$/, "");
  const headers = async (accept: string): Promise<Record<string, string>> => {
    const token = await options.token();
    return {
      accept,
      "user-agent": "loop-event-driven",
      "x-github-api-version": "2022-11-28",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
  };
  return {
    name: NAME,
    async run(action, args, ctx) {
      if (action === "get_pr_diff") {
        const { repo, number } = target(action, args, ctx);
        const res = await fetchLimited(
          options.fetch,
          NAME,
          `${base}/repos/${repo}/pulls/${number}`,
          { method: "GET", headers: await headers("application/vnd.github.diff") },
          { signal: ctx.signal, timeoutMs: 30_000, maxBytes: 5 * 1024 * 1024 },
        );
        expectOk(NAME, `get_pr_diff ${repo}#${number}`, res);
        return { output: res.body, target: `${repo}#${number}` };
      }
      if (action === "post_pr_comment") {
        const { repo, number } = target(action, args, ctx);
        const body =
          optionalString(NAME, action, args, "body") ??
          optionalString(NAME, action, args, "comment") ??
          optionalString(NAME, action, args, "message") ??
          asText(ctx.previousOutput);
        if (!body) throw badArgument(NAME, action, "nothing to post: give `body`, or run it after a step with output");
        const marker = options.commentMarker;
        const marked = marker && !body.includes(marker) ? `${body}\n\n${marker}` : body;
        const res = await fetchLimited(
          options.fetch,
          NAME,
          `${base}/repos/${repo}/issues/${number}/comments`,
          {
            method: "POST",
            headers: { ...(await headers("application/vnd.github+json")), "content-type": "application/json" },
            body: JSON.stringify({ body: marked }),
          },
          { signal: ctx.signal, timeoutMs: 30_000 },
        );
        expectOk(NAME, `post_pr_comment ${repo}#${number}`, res);
        let parsed: { id?: number; html_url?: string } = {};
        try {
          parsed = JSON.parse(res.body) as typeof parsed;
        } catch {
          throw new ToolError(`${NAME}: post_pr_comment: response is not JSON`, { permanent: false });
        }
        return { output: { id: parsed.id ?? null, url: parsed.html_url ?? null }, target: `${repo}#${number}` };
      }
      throw badArgument(NAME, action, "unknown action; expected get_pr_diff or post_pr_comment");
    },
  };
}
