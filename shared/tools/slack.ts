/**
 * tool-slack `post`: `text` (or the spec's `message`; default the previous step's output) and
 * optional `channel`, posted as JSON `{text, channel?}` to the incoming-webhook URL from
 * `tools.tool-slack.webhook_url` (a secret reference such as `${SLACK_WEBHOOK_URL}`). The URL is
 * never logged nor put in errors.
 */
import { asText, optionalString } from "./args.ts";
import { ToolError, badArgument } from "./errors.ts";
import { expectOk, fetchLimited } from "./fetch-limited.ts";
import type { Tool } from "./tool.ts";

const NAME = "tool-slack";

export interface SlackToolOptions {
  /** Resolves the webhook URL (secret); undefined when not configured. */
  readonly webhookUrl: () => Promise<string | undefined>;
  readonly fetch: typeof fetch;
}

export function slackTool(options: SlackToolOptions): Tool {
  return {
    name: NAME,
    async run(action, args, ctx) {
      if (action !== "post") throw badArgument(NAME, action, "unknown action; expected post");
      const text =
        optionalString(NAME, action, args, "text") ??
        optionalString(NAME, action, args, "message") ??
        asText(ctx.previousOutput);
      if (!text)
        throw badArgument(
          NAME,
          action,
          "nothing to post: give `text` (or `message`), or run it after a step with output",
        );
      const channel = optionalString(NAME, action, args, "channel");
      const url = await options.webhookUrl();
      if (!url) throw new ToolError(`${NAME}: tools.tool-slack.webhook_url is not configured`, { permanent: true });
      const res = await fetchLimited(
        options.fetch,
        NAME,
        url,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(channel ? { text, channel } : { text }),
        },
        { signal: ctx.signal, timeoutMs: 10_000, maxBytes: 64 * 1024 },
      );
      expectOk(NAME, "post to the incoming webhook", res);
      return { output: { posted: true, channel: channel ?? null, text }, target: channel ?? "webhook" };
    },
  };
}
