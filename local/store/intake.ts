/**
 * The intake transaction of one submitted event: dedupe by event id, overflow policy, supersede,
 * event log and job rows. Runs inside the group-commit batch (see group-commit.ts).
 */
import type { Event, EventResult, Job } from "../../shared/events/event.ts";
import type { SubmitOptions, SubmitOutcome } from "../../shared/ports/job-queue.ts";
import { QueueOverflow } from "../../shared/config/schema.ts";
import { StoreJobState } from "./job-state.ts";
import { StoreRequestError } from "./store-error.ts";
import type { StoreContext } from "./store-context.ts";

export const RejectReason = {
  QUEUE_FULL: "queue full",
  HANDLERS_BUSY: "all handlers busy",
} as const;

interface Victim {
  readonly id: string;
  readonly event_id: string;
  readonly handler: string;
  readonly state: string;
  readonly supersededBy: string;
}

function validate(event: Event, jobs: readonly Job[]): void {
  if (!event || typeof event.id !== "string" || event.id === "")
    throw new StoreRequestError("submit: the event has no id");
  jobs.forEach((job, i) => {
    if (typeof job.id !== "string" || job.id === "")
      throw new StoreRequestError(`submit: job ${i} of event "${event.id}" has no id`);
    if (typeof job.handler !== "string" || job.handler === "")
      throw new StoreRequestError(`submit: job "${job.id}" has no handler`);
    if (job.event?.id !== event.id)
      throw new StoreRequestError(`submit: job "${job.id}" belongs to event "${job.event?.id}", not "${event.id}"`);
  });
}

/** Older waiting jobs of the same handler + key that these new jobs supersede (`concurrency.on_new: supersede`). */
function supersedeVictims(ctx: StoreContext, jobs: readonly Job[]): Victim[] {
  const victims: Victim[] = [];
  for (const job of jobs) {
    if (job.concurrency_key === undefined) continue;
    if (ctx.config.handlers[job.handler]?.concurrency?.on_new !== "supersede") continue;
    const rows = ctx
      .stmt(
        "SELECT id, event_id, handler, state FROM jobs WHERE handler = ? AND concurrency_key = ? AND state IN ('PENDING', 'RETRY_WAIT') ORDER BY seq",
      )
      .all(job.handler, job.concurrency_key) as Omit<Victim, "supersededBy">[];
    for (const r of rows) victims.push({ ...r, supersededBy: job.id });
  }
  return victims;
}

function count(ctx: StoreContext, states: string): number {
  return (ctx.stmt(`SELECT coalesce(sum(n), 0) AS n FROM job_counts WHERE state IN (${states})`).get() as { n: number })
    .n;
}

export function droppedResult(
  jobId: string,
  eventId: string,
  handler: string,
  reason: string,
  now: number,
): EventResult {
  const at = new Date(now).toISOString();
  return {
    event_id: eventId,
    job_id: jobId,
    handler,
    success: false,
    actions_taken: [],
    output: null,
    error: null,
    status: "dropped",
    reason,
    started_at: at,
    finished_at: at,
    duration_ms: 0,
  };
}

export function appendHistoryRow(ctx: StoreContext, result: EventResult, now: number): void {
  const started = Date.parse(result.started_at ?? result.finished_at ?? "");
  ctx
    .stmt("INSERT INTO history (job_id, event_id, handler, status, started_at, json) VALUES (?, ?, ?, ?, ?, ?)")
    .run(
      result.job_id ?? null,
      result.event_id,
      result.handler ?? null,
      result.status ?? (result.success ? "succeeded" : "failed"),
      Number.isNaN(started) ? now : started,
      JSON.stringify(result),
    );
  const keep = Math.max(1, ctx.config.history_limit);
  ctx
    .stmt("DELETE FROM history WHERE seq < (SELECT seq FROM history ORDER BY seq DESC LIMIT 1 OFFSET ?)")
    .run(keep - 1);
}

export function insertEvent(ctx: StoreContext, event: Event, now: number): void {
  ctx
    .stmt("INSERT INTO events (id, type, source, json, received_at) VALUES (?, ?, ?, ?, ?)")
    .run(event.id, String(event.type), String(event.source), JSON.stringify(event), now);
}

function insertJob(
  ctx: StoreContext,
  job: Job,
  state: StoreJobState,
  now: number,
  extra: { lastError?: string; result?: EventResult } = {},
): void {
  const enqueued = Date.parse(job.enqueued_at);
  ctx
    .stmt(
      `INSERT INTO jobs (id, event_id, handler, state, attempts, available_at, concurrency_key, replay_of, announced, last_error, result_json, enqueued_at, updated_at)
     VALUES (?, ?, ?, ?, 0, ?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    )
    .run(
      job.id,
      job.event.id,
      job.handler,
      state,
      now,
      job.concurrency_key ?? null,
      job.replay_of ?? null,
      extra.lastError ?? null,
      extra.result ? JSON.stringify(extra.result) : null,
      Number.isNaN(enqueued) ? now : enqueued,
      now,
    );
}

/** Records the event with every job DROPPED (and in history) for `reason`. */
function dropAll(ctx: StoreContext, event: Event, jobs: readonly Job[], reason: string, now: number): SubmitOutcome {
  insertEvent(ctx, event, now);
  for (const job of jobs) {
    const result = droppedResult(job.id, event.id, job.handler, reason, now);
    insertJob(ctx, job, StoreJobState.DROPPED, now, { lastError: reason, result });
    appendHistoryRow(ctx, result, now);
  }
  return { kind: "dropped", jobIds: jobs.map((j) => j.id), reason };
}

/** One event's intake; throws (rolling back its savepoint only) on bad input. */
export function submitOp(
  ctx: StoreContext,
  event: Event,
  jobs: readonly Job[],
  now: number,
  options: SubmitOptions = {},
): SubmitOutcome {
  validate(event, jobs);
  if (ctx.stmt("SELECT 1 FROM events WHERE id = ?").get(event.id)) {
    const ids = ctx.stmt("SELECT id FROM jobs WHERE event_id = ? AND replay_of IS NULL ORDER BY seq").all(event.id) as {
      id: string;
    }[];
    return { kind: "duplicate", jobIds: ids.map((r) => r.id) };
  }
  const jobIds = jobs.map((j) => j.id);
  if (options.dropReason !== undefined) return dropAll(ctx, event, jobs, options.dropReason, now);
  const victims = supersedeVictims(ctx, jobs);
  const policy = ctx.config.queue_overflow;
  if (jobs.length > 0 && policy === QueueOverflow.QUEUE) {
    const waiting = count(ctx, "'PENDING', 'RETRY_WAIT'") - victims.length;
    const capacity = ctx.config.queue_capacity;
    if (waiting + jobs.length > capacity) {
      return {
        kind: "rejected",
        reason: `${RejectReason.QUEUE_FULL}: ${waiting} job(s) waiting, queue_capacity is ${capacity}`,
      };
    }
  } else if (jobs.length > 0) {
    const busy =
      count(ctx, "'PENDING', 'RUNNING', 'FAILED'") - victims.filter((v) => v.state === StoreJobState.PENDING).length;
    const max = ctx.config.max_concurrent_handlers;
    if (busy >= max) {
      const reason = `${RejectReason.HANDLERS_BUSY}: ${busy} job(s) running or about to run, max_concurrent_handlers is ${max}`;
      if (policy === QueueOverflow.ERROR) return { kind: "rejected", reason };
      return dropAll(ctx, event, jobs, reason, now);
    }
  }
  insertEvent(ctx, event, now);
  for (const v of victims) {
    const reason = `superseded by ${v.supersededBy}`;
    const result = droppedResult(v.id, v.event_id, v.handler, reason, now);
    ctx
      .stmt(
        `UPDATE jobs SET state = 'DROPPED', superseded_by = ?, announced = 0, last_error = ?, result_json = ?, updated_at = ?
       WHERE id = ? AND state IN ('PENDING', 'RETRY_WAIT')`,
      )
      .run(v.supersededBy, reason, JSON.stringify(result), now, v.id);
    appendHistoryRow(ctx, result, now);
  }
  for (const job of jobs) insertJob(ctx, job, StoreJobState.PENDING, now);
  return { kind: "accepted", jobIds };
}
