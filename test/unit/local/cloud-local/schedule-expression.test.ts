import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  nextFiring,
  parseScheduleExpression,
  scheduledTimeText,
} from "../../../../local/cloud-local/schedules/schedule-expression.ts";

const window = { start: new Date("2026-01-01T00:00:00Z") };
const next = (expr: string, tz: string, after: string) =>
  nextFiring(parseScheduleExpression(expr, tz), new Date(after), window)?.toISOString();

describe("EventBridge Scheduler expressions", () => {
  it("cron() in a time zone: the converted pr-review schedule fires Monday 09:00 Paris time", () => {
    assert.deepEqual(parseScheduleExpression("cron(0 9 ? * MON *)", "Europe/Paris"), {
      kind: "cron",
      unix: "0 9 * * MON",
      timezone: "Europe/Paris",
    });
    assert.equal(next("cron(0 9 ? * MON *)", "Europe/Paris", "2026-11-25T12:00:00Z"), "2026-11-30T08:00:00.000Z");
  });

  it("numbered days of week are EventBridge's (1 = SUN), start/step fields are expanded", () => {
    assert.equal((parseScheduleExpression("cron(0 12 ? * 2-6 *)") as { unix: string }).unix, "0 12 * * 1-5");
    assert.equal((parseScheduleExpression("cron(0/15 * * * ? *)") as { unix: string }).unix, "0-59/15 * * * *");
    assert.equal((parseScheduleExpression("cron(0 0 1/5 * ? *)") as { unix: string }).unix, "0 0 1-31/5 * *");
    assert.equal(next("cron(0/15 * * * ? *)", "UTC", "2026-03-01T10:07:00Z"), "2026-03-01T10:15:00.000Z");
  });

  it("years restrict the firings", () => {
    assert.equal(next("cron(0 0 1 1 ? 2028)", "UTC", "2026-03-01T00:00:00Z"), "2028-01-01T00:00:00.000Z");
  });

  it("L, W and # have no Unix form: not fired automatically, with the reason", () => {
    const t = parseScheduleExpression("cron(0 0 L * ? *)");
    assert.equal(t.kind, "unsupported");
    assert.match((t as { reason: string }).reason, /L, W or #/);
    assert.equal(nextFiring(t, new Date(), window), null);
  });

  it("rate() counts from the start; at() fires once; the end date stops a schedule", () => {
    assert.equal(next("rate(5 minutes)", "UTC", "2026-01-01T00:07:00Z"), "2026-01-01T00:10:00.000Z");
    assert.equal(next("rate(1 day)", "UTC", "2025-06-01T00:00:00Z"), "2026-01-02T00:00:00.000Z");
    assert.equal(next("at(2026-06-01T10:00:00)", "Europe/Paris", "2026-01-01T00:00:00Z"), "2026-06-01T08:00:00.000Z");
    assert.equal(next("at(2026-06-01T10:00:00)", "UTC", "2026-07-01T00:00:00Z"), undefined);
    const ended = nextFiring(parseScheduleExpression("rate(1 hour)"), new Date("2026-01-01T05:30:00Z"), {
      start: window.start,
      end: new Date("2026-01-01T05:45:00Z"),
    });
    assert.equal(ended, null);
  });

  it("<aws.scheduler.scheduled-time> is ISO 8601 to the second", () => {
    assert.equal(scheduledTimeText(new Date("2030-01-01T03:00:00.000Z")), "2030-01-01T03:00:00Z");
  });
});
