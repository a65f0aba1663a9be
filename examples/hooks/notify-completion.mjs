// The spec's "notify on completion" hook: when a handler ends, post a message to a
// Slack-compatible incoming webhook. Success and failure go to the URL in the environment
// variable named by `url_env` (default SLACK_WEBHOOK_URL); failures go to `alert_url_env`
// (default ALERT_WEBHOOK_URL, e.g. a PagerDuty/Opsgenie bridge) when that one is set.
// With no URL set, the message is logged to stderr instead. A failed post is logged, never thrown.
export default (config = {}) => {
  const urlEnv = typeof config.url_env === "string" ? config.url_env : "SLACK_WEBHOOK_URL";
  const alertEnv = typeof config.alert_url_env === "string" ? config.alert_url_env : "ALERT_WEBHOOK_URL";

  async function send(url, text) {
    if (!url) {
      process.stderr.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: "info", message: "notification", text })}\n`,
      );
      return;
    }
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) process.stderr.write(`notify-completion: ${url.replace(/\/\/.*@/, "//")} answered ${res.status}\n`);
    } catch (err) {
      process.stderr.write(
        `notify-completion: cannot post the notification: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  }

  return {
    "event:handler:end": async (data) => {
      const result = data.result;
      if (!result) return;
      if (result.success) {
        await send(process.env[urlEnv], `Handler ${data.handler} completed successfully`);
      } else {
        await send(
          process.env[alertEnv] || process.env[urlEnv],
          `Handler ${data.handler} failed: ${result.error ?? "unknown error"}`,
        );
      }
    },
  };
};
