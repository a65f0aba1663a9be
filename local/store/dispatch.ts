/** The worker's side of the queue: hand out runnable jobs under a lease, settle them, recover after a crash. */
import type { Event, EventResult, Job } from "../../shared/events/event.ts";
import { finishedStateOf, StoreJobState } from "./job-state.ts";
import { StoreRequestError } from "./store-error.ts";
import { dispatchLeaseOf, maxAttemptsOf, toJob, type JobRow, type StoreContext } from "./store-context.ts";

const PAGE = 64;

function keyOf(handler: string, key: string): string {
  return `${handler}\u0000${key}`;
}

function eventJsonOf(ctx: StoreContext, eventId: string): string | undefined {
  return (ctx.stmt("SELECT json FROM events WHERE id = ?").get(eventId) as { json: string } | undefined)?.json;
}

function markDeadNoEvent(ctx: StoreContext, row: JobRow, now: number): void {
  ctx
    .stmt(
      "UPDATE jobs SET state = 'DEAD', last_error = ?, lease_expires_at = NULL, claimed = 0, owner = NULL, updated_at = ? WHERE id = ?",
    )
    .run(`event "${row.event_id}" is not in the event log`, now, row.id);
}

/**
 * Moves up to `limit` runnable jobs (PENDING, or RETRY_WAIT that is due) to RUNNING, oldest
 * enqueued first, never two of the same handler + concurrency key at once, nor one whose key
 * already has a RUNNING job. The caller passes `limit` = free handler slots.
 */
export function takeBatchOp(ctx: StoreContext, limit: number, now: number): Job[] {
  if (limit <= 0) return [];
  const busy = new Set(
    (
      ctx
        .stmt(
          "SELECT handler, concurrency_key FROM jobs WHERE state IN ('RUNNING', 'FAILED') AND concurrency_key IS NOT NULL",
        )
        .all() as { handler: string; concurrency_key: string }[]
    ).map((r) => keyOf(r.handler, r.concurrency_key)),
  );
  const page = ctx.stmt(
    `SELECT * FROM jobs WHERE state IN ('PENDING', 'RETRY_WAIT') AND available_at <= ? AND seq > ? ORDER BY seq LIMIT ${PAGE}`,
  );
  // Handing a job out counts its attempt (the runner's claim of a handed-out job does not count it
  // again): a run that dies before or after its claim still uses up an attempt.
  const take = ctx.stmt(
    "UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, claimed = 0, owner = ?, lease_expires_at = ?, updated_at = ? WHERE id = ?",
  );
  const taken: Job[] = [];
  let after = 0;
  for (;;) {
    const rows = page.all(now, after) as JobRow[];
    for (const row of rows) {
      after = row.seq;
      if (row.concurrency_key !== null) {
        const k = keyOf(row.handler, row.concurrency_key);
        if (busy.has(k)) continue;
        busy.add(k);
      }
      const eventJson = eventJsonOf(ctx, row.event_id);
      if (eventJson === undefined) {
        markDeadNoEvent(ctx, row, now);
        continue;
      }
      take.run(ctx.instanceId, now + dispatchLeaseOf(ctx.config, row.handler), now, row.id);
      taken.push(toJob(row, eventJson));
      if (taken.length >= limit) return taken;
    }
    if (rows.length < PAGE) return taken;
  }
}

function settle(ctx: StoreContext, jobId: string, sql: string, ...params: unknown[]): void {
  const info = ctx.stmt(sql).run(...params, jobId);
  if (info.changes === 0) throw new StoreRequestError(`no job "${jobId}" in the store`);
}

/** Done: COMPLETED, SKIPPED when a hook denied it, DROPPED when a budget refused it. */
export function ackOp(ctx: StoreContext, jobId: string, result: EventResult, now: number): void {
  const state = finishedStateOf(result);
  settle(
    ctx,
    jobId,
    "UPDATE jobs SET state = ?, result_json = ?, lease_expires_at = NULL, claimed = 0, owner = NULL, updated_at = ? WHERE id = ?",
    state,
    JSON.stringify(result),
    now,
  );
}

export function retryLaterOp(
  ctx: StoreContext,
  jobId: string,
  result: EventResult,
  availableAt: number,
  now: number,
): void {
  settle(
    ctx,
    jobId,
    `UPDATE jobs SET state = 'RETRY_WAIT', available_at = ?, last_error = ?, result_json = ?, lease_expires_at = NULL, claimed = 0, owner = NULL, updated_at = ?
     WHERE id = ? AND state NOT IN ('COMPLETED', 'SKIPPED')`,
    availableAt,
    result.error ?? "failed",
    JSON.stringify(result),
    now,
  );
}

export function deadLetterOp(ctx: StoreContext, jobId: string, result: EventResult, now: number): void {
  settle(
    ctx,
    jobId,
    `UPDATE jobs SET state = 'DEAD', last_error = ?, result_json = ?, lease_expires_at = NULL, claimed = 0, owner = NULL, updated_at = ?
     WHERE id = ? AND state NOT IN ('COMPLETED', 'SKIPPED')`,
    result.error ?? "failed",
    JSON.stringify(result),
    now,
  );
}

/** A graceful stop puts a still-running job back: PENDING, and the interrupted run does not count as an attempt. */
export function releaseOp(ctx: StoreContext, jobId: string, now: number): boolean {
  return (
    ctx
      .stmt(
        `UPDATE jobs SET state = 'PENDING', attempts = max(attempts - 1, 0), available_at = ?, lease_expires_at = NULL, claimed = 0, owner = NULL, updated_at = ?
     WHERE id = ? AND state = 'RUNNING'`,
      )
      .run(now, now, jobId).changes > 0
  );
}

export interface Recovered {
  /** Interrupted runs put back to PENDING (they run again: at-least-once). */
  readonly requeued: readonly string[];
  /** Interrupted or failed runs that were the job's last allowed attempt: dead-lettered. */
  readonly dead: readonly string[];
}

/**
 * After a crash: every RUNNING job of another (dead) store instance, or whose lease expired, goes
 * back to PENDING with its attempts kept (the interrupted run counted as one); a FAILED job (the
 * process died between the failed run and the retry decision) likewise. A job whose interrupted or
 * failed run was its last allowed attempt (`retry.max_attempts`) is dead-lettered instead.
 */
export function recoverInterruptedOp(ctx: StoreContext, now: number): Recovered {
  const rows = ctx
    .stmt(
      `SELECT * FROM jobs WHERE state IN ('RUNNING', 'FAILED') AND (owner IS NULL OR owner <> ? OR lease_expires_at IS NULL OR lease_expires_at <= ?) ORDER BY seq`,
    )
    .all(ctx.instanceId, now) as JobRow[];
  const requeue = ctx.stmt(
    "UPDATE jobs SET state = 'PENDING', available_at = ?, lease_expires_at = NULL, claimed = 0, owner = NULL, updated_at = ? WHERE id = ?",
  );
  const kill = ctx.stmt(
    "UPDATE jobs SET state = 'DEAD', lease_expires_at = NULL, claimed = 0, owner = NULL, updated_at = ? WHERE id = ?",
  );
  const lastWords = ctx.stmt(
    "UPDATE jobs SET state = 'DEAD', last_error = ?, lease_expires_at = NULL, claimed = 0, owner = NULL, updated_at = ? WHERE id = ?",
  );
  const requeued: string[] = [];
  const dead: string[] = [];
  for (const row of rows) {
    if (eventJsonOf(ctx, row.event_id) === undefined) {
      markDeadNoEvent(ctx, row, now);
      dead.push(row.id);
    } else if (row.attempts >= maxAttemptsOf(ctx.config, row.handler)) {
      // Out of attempts. For a RUNNING row: the process died during the last allowed run; a job
      // that kills its process would otherwise crash the daemon at every start. Redrive runs it.
      if (row.state === StoreJobState.RUNNING) {
        lastWords.run(
          `interrupted during attempt ${row.attempts} of ${maxAttemptsOf(ctx.config, row.handler)} (the process stopped)`,
          now,
          row.id,
        );
      } else {
        kill.run(now, row.id);
      }
      dead.push(row.id);
    } else {
      requeue.run(now, now, row.id);
      requeued.push(row.id);
    }
  }
  return { requeued, dead };
}

export interface DroppedJob {
  readonly jobId: string;
  readonly handler: string;
  readonly event: Event;
  readonly reason: string;
  readonly supersededBy?: string;
  readonly result?: EventResult;
}

/** Drops nobody has announced yet (superseded jobs: the submitter only knows its own new jobs); marks them announced. */
export function takeUnannouncedDropsOp(ctx: StoreContext): DroppedJob[] {
  const rows = ctx.stmt("SELECT * FROM jobs WHERE announced = 0 ORDER BY seq LIMIT 500").all() as JobRow[];
  const mark = ctx.stmt("UPDATE jobs SET announced = 1 WHERE id = ?");
  const out: DroppedJob[] = [];
  for (const row of rows) {
    mark.run(row.id);
    const eventJson = eventJsonOf(ctx, row.event_id);
    if (eventJson === undefined) continue;
    out.push({
      jobId: row.id,
      handler: row.handler,
      event: JSON.parse(eventJson) as Event,
      reason: row.last_error ?? "dropped",
      ...(row.superseded_by !== null ? { supersededBy: row.superseded_by } : {}),
      ...(row.result_json !== null ? { result: JSON.parse(row.result_json) as EventResult } : {}),
    });
  }
  return out;
}
