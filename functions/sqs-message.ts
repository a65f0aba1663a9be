/**
 * What arrives on the job queue: a Job (JSON, from ingest, `evd cloud trigger`, the watcher bridge,
 * a redrive), or an EventBridge Scheduler message `{"kind":"schedule","schedule","scheduled_time"}`
 * that becomes the schedule event (id = name + scheduled time, so a Scheduler retry dedupes) and
 * its routed jobs.
 */
import { sourceName } from "../shared/config/source-name.ts";
import type { OrchestratorConfig } from "../shared/config/schema.ts";
import { EVENT_TYPES, type Job } from "../shared/events/event.ts";
import { scheduleEvent } from "../shared/events/schedule-event.ts";
import { routeEvent } from "../shared/router/route.ts";

/** A message that can never succeed (bad JSON, unknown schedule): it goes to the DLQ at once. */
export class PermanentMessageError extends Error {
  override readonly name = "PermanentMessageError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface ScheduleMessage {
  readonly kind: "schedule";
  readonly schedule: string;
  readonly scheduled_time: string;
}

export function isScheduleMessage(body: unknown): body is ScheduleMessage {
  return typeof body === "object" && body !== null && (body as { kind?: unknown }).kind === "schedule";
}

function assertJob(body: unknown): asserts body is Job {
  const j = body as Partial<Job> | null;
  const problems: string[] = [];
  if (typeof j !== "object" || j === null) throw new PermanentMessageError("message body is not a JSON object");
  if (typeof j.id !== "string" || !j.id) problems.push("id (string)");
  if (typeof j.handler !== "string" || !j.handler) problems.push("handler (string)");
  const ev = j.event as Partial<Job["event"]> | undefined;
  if (typeof ev !== "object" || ev === null) problems.push("event (object)");
  else {
    if (typeof ev.id !== "string" || !ev.id) problems.push("event.id (string)");
    if (!EVENT_TYPES.includes(ev.type as Job["event"]["type"]))
      problems.push(`event.type (one of ${EVENT_TYPES.join(", ")})`);
    if (typeof ev.payload !== "object" || ev.payload === null) problems.push("event.payload (object)");
  }
  if (problems.length) throw new PermanentMessageError(`message is not a job: missing or bad ${problems.join(", ")}`);
}

/** The jobs a queue message stands for. Throws PermanentMessageError for what can never run. */
export function jobsOfMessage(bodyText: string, config: OrchestratorConfig, now: Date): Job[] {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (err) {
    throw new PermanentMessageError(`message body is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (isScheduleMessage(body)) return scheduleJobs(body, config, now);
  assertJob(body);
  const job = body;
  return [
    {
      ...job,
      attempt: typeof job.attempt === "number" ? job.attempt : 1,
      enqueued_at: job.enqueued_at ?? now.toISOString(),
    },
  ];
}

function scheduleJobs(msg: ScheduleMessage, config: OrchestratorConfig, now: Date): Job[] {
  if (typeof msg.schedule !== "string" || !msg.schedule)
    throw new PermanentMessageError('schedule message without a "schedule" name');
  const at = new Date(msg.scheduled_time);
  if (typeof msg.scheduled_time !== "string" || Number.isNaN(at.getTime()))
    throw new PermanentMessageError(`schedule "${msg.schedule}": bad scheduled_time "${String(msg.scheduled_time)}"`);
  const index = config.sources.findIndex((s, i) => s.type === "schedule" && sourceName(s, i) === msg.schedule);
  const source = config.sources[index];
  if (!source || source.type !== "schedule") {
    const known = config.sources.flatMap((s, i) => (s.type === "schedule" ? [sourceName(s, i)] : []));
    throw new PermanentMessageError(
      `no schedule source named "${msg.schedule}"; schedules: ${known.join(", ") || "(none)"}`,
    );
  }
  const jobs = routeEvent(scheduleEvent(msg.schedule, at, source.payload), config, now);
  if (jobs.length === 0) throw new PermanentMessageError(`schedule "${msg.schedule}" routes to no handler (disabled?)`);
  return jobs;
}
