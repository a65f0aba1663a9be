import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scheduleEventOf } from "../../../functions/schedule-message.ts";
import { decodeQueueMessage, encodeGateCheckMessage, PermanentMessageError } from "../../../shared/aws/job-message.ts";
import { parseConfig } from "../../../shared/config/parse.ts";
import type { OrchestratorConfig } from "../../../shared/config/schema.ts";
import type { Job } from "../../../shared/events/event.ts";
import { routeEvent } from "../../../shared/router/route.ts";

/** What the runner makes of a message: the codec, then a firing's event routed as the admission does. */
function jobsOfMessage(body: string, config: OrchestratorConfig, now: Date): Job[] {
  const m = decodeQueueMessage(body, now);
  if (m.kind === "gate_check") throw new Error("a gate check carries no job");
  return m.kind === "job" ? [m.job] : routeEvent(scheduleEventOf(m.schedule, m.scheduledTime, config), config, now);
}

const config = parseConfig(
  {
    sources: [
      { type: "schedule", name: "weekly", handler: "report", cron: "0 9 * * MON", payload: { scope: "all" } },
      { type: "schedule", handler: "cleanup", cron: "0 */4 * * *" },
    ],
    handlers: { report: { prompt: "report {payload.scope}" }, cleanup: { prompt: "clean" } },
  },
  { where: "test", env: {} },
);
const now = new Date("2026-11-24T10:00:00Z");

describe("queue message -> jobs", () => {
  it("turns a Scheduler message into the schedule job with a deterministic id and the source payload", () => {
    const body = JSON.stringify({ kind: "schedule", schedule: "weekly", scheduled_time: "2026-11-23T09:00:00Z" });
    const [job, ...rest] = jobsOfMessage(body, config, now);
    assert.equal(rest.length, 0);
    assert.equal(job!.id, "schedule:weekly:2026-11-23T09:00:00.000Z#report");
    assert.equal(job!.event.type, "schedule");
    assert.deepEqual(job!.event.payload, { scope: "all" });
    assert.equal(jobsOfMessage(body, config, new Date())[0]!.id, job!.id, "a Scheduler retry gives the same job id");
  });

  it("finds a schedule by its default source name", () => {
    const [job] = jobsOfMessage(
      JSON.stringify({ kind: "schedule", schedule: "cleanup-schedule-1", scheduled_time: "2026-11-23T08:00:00Z" }),
      config,
      now,
    );
    assert.equal(job!.handler, "cleanup");
  });

  it("passes a Job through", () => {
    const job = {
      id: "e1#report",
      handler: "report",
      event: { id: "e1", type: "manual", source: "cli", payload: {}, timestamp: now.toISOString() },
      attempt: 1,
      enqueued_at: now.toISOString(),
    };
    assert.deepEqual(jobsOfMessage(JSON.stringify(job), config, now), [job]);
  });

  it("refuses what can never run, saying why", () => {
    assert.throws(
      () => jobsOfMessage("{oops", config, now),
      (e: Error) => e instanceof PermanentMessageError && /not JSON/.test(e.message),
    );
    assert.throws(
      () => jobsOfMessage('{"kind":"schedule","schedule":"nope","scheduled_time":"2026-11-23T08:00:00Z"}', config, now),
      /no schedule source named "nope"; schedules: weekly, cleanup-schedule-1/,
    );
    assert.throws(
      () => jobsOfMessage('{"kind":"schedule","schedule":"weekly","scheduled_time":"soon"}', config, now),
      /bad scheduled_time "soon"/,
    );
    assert.throws(
      () => jobsOfMessage('{"id":"x"}', config, now),
      /missing or bad handler \(string\), event \(object\)/,
    );
  });

  it("reads an approval gate's timer message back as it was encoded, and refuses a broken one", () => {
    const parkedAt = Date.parse("2026-11-24T09:59:58.123Z");
    const m = encodeGateCheckMessage("e1#report", parkedAt);
    assert.deepEqual(decodeQueueMessage(m.body, now), { kind: "gate_check", jobId: "e1#report", parkedAt });
    assert.equal(m.attributes["evd-job-id"]?.StringValue, "e1#report", "DLQ listings name its job");
    assert.throws(
      () => decodeQueueMessage('{"kind":"gate_check","parked_at":"2026-11-24T10:00:00Z"}', now),
      /"job_id"/,
    );
    assert.throws(
      () => decodeQueueMessage('{"kind":"gate_check","job_id":"j","parked_at":"later"}', now),
      (e: Error) =>
        e instanceof PermanentMessageError && /gate check of job "j": bad parked_at "later"/.test(e.message),
    );
  });
});
