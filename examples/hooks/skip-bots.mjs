// The spec's "filter events" hook: skip events sent by bots before any handler runs.
// A payload with `bot: true`, or a GitHub delivery whose `sender.type` is "Bot"
// (dependabot, renovate, github-actions...), is recorded as skipped with this reason.
export default {
  "event:received": (data) => {
    const payload = data.event?.payload ?? {};
    const sender = payload.sender;
    if (payload.bot === true || (sender && typeof sender === "object" && sender.type === "Bot")) {
      return { action: "skip", reason: "Ignoring bot events" };
    }
    return { action: "continue" };
  },
};
