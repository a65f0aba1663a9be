/** Operator operations: dead letters, redrive, replay from the event log, counts, retention. */
import type { RunStatus } from "../../shared/events/event.ts";
import { STORE_JOB_STATES, StoreJobState } from "./job-state.ts";
import { StoreRequestError } from "./store-error.ts";
import { getRow, toStoredJob, type JobRow, type StoreContext, type StoredJob } from "./store-context.ts";

export type RedriveSelector = { readonly id: string } | { readonly all: true };

export interface ReplayFilter {
  /** Only this job (an original job id, not a replay's). */
  readonly jobId?: string;
  readonly handler?: string;
  /** Epoch ms: events received at or after. */
  readonly since?: number;
  /** The latest run of the (event, handler) pair ended so. */
  readonly status?: RunStatus;
}

export interface ReplayedJob {
  readonly jobId: string;
  readonly replayOf: string;
}

const STATUS_STATES: Record<RunStatus, readonly StoreJobState[]> = {
  succeeded: [StoreJobState.COMPLETED],
  failed: [StoreJobState.DEAD, StoreJobState.FAILED, StoreJobState.RETRY_WAIT],
  skipped: [StoreJobState.SKIPPED],
  dropped: [StoreJobState.DROPPED],
  budget_exceeded: [StoreJobState.DROPPED],
  parked: [StoreJobState.PARKED],
  denied: [StoreJobState.DENIED],
};

/** DROPPED holds drops and budget refusals: the result's status tells them apart. */
function hasStatus(row: JobRow, status: RunStatus): boolean {
  if (!STATUS_STATES[status].includes(row.state)) return false;
  if (row.state !== StoreJobState.DROPPED) return true;
  const recorded = row.result_json === null ? undefined : (JSON.parse(row.result_json) as { status?: string }).status;
  return (recorded === "budget_exceeded") === (status === "budget_exceeded");
}

export function listDeadOp(ctx: StoreContext): StoredJob[] {
  return (ctx.stmt("SELECT * FROM jobs WHERE state = 'DEAD' ORDER BY seq").all() as JobRow[]).map(toStoredJob);
}

/** DEAD -> PENDING with attempts reset. Bad selection: an error naming the job, nothing changed. */
export function redriveOp(ctx: StoreContext, selector: RedriveSelector, now: number): string[] {
  let ids: string[];
  if ("id" in selector) {
    const row = getRow(ctx, selector.id);
    if (!row) throw new StoreRequestError(`redrive: no job "${selector.id}" in the store`);
    if (row.state !== StoreJobState.DEAD)
      throw new StoreRequestError(`redrive: job "${selector.id}" is ${row.state}, not in the dead-letter store`);
    ids = [row.id];
  } else if ("all" in selector && selector.all === true) {
    ids = (ctx.stmt("SELECT id FROM jobs WHERE state = 'DEAD' ORDER BY seq").all() as { id: string }[]).map(
      (r) => r.id,
    );
  } else {
    throw new StoreRequestError("redrive: give {id} or {all: true}");
  }
  const move = ctx.stmt(
    "UPDATE jobs SET state = 'PENDING', attempts = 0, available_at = ?, lease_expires_at = NULL, claimed = 0, owner = NULL, updated_at = ? WHERE id = ? AND state = 'DEAD'",
  );
  for (const id of ids) move.run(now, now, id);
  return ids;
}

/**
 * Re-enqueues the matching (event, handler) pairs as new jobs `<job id>#replay-<n>` with
 * `replay_of` = the original job id, so dedupe does not swallow them. One new job per pair, however
 * many replays it already had; `status` tests the latest run of the pair.
 */
export function replayOp(ctx: StoreContext, filter: ReplayFilter, now: number): ReplayedJob[] {
  if (filter.status !== undefined && !(filter.status in STATUS_STATES)) {
    throw new StoreRequestError(
      `replay: unknown status "${String(filter.status)}"; one of ${Object.keys(STATUS_STATES).join(", ")}`,
    );
  }
  if (filter.since !== undefined && !Number.isFinite(filter.since))
    throw new StoreRequestError("replay: `since` must be epoch milliseconds");
  const where = ["j.replay_of IS NULL", "e.received_at >= ?"];
  const params: unknown[] = [filter.since ?? 0];
  if (filter.handler !== undefined) {
    where.push("j.handler = ?");
    params.push(filter.handler);
  }
  if (filter.jobId !== undefined) {
    where.push("j.id = ?");
    params.push(filter.jobId);
  }
  const roots = ctx
    .stmt(`SELECT j.* FROM jobs j JOIN events e ON e.id = j.event_id WHERE ${where.join(" AND ")} ORDER BY j.seq`)
    .all(...params) as JobRow[];
  const latest = ctx.stmt("SELECT * FROM jobs WHERE replay_of = ? ORDER BY seq DESC LIMIT 1");
  const family = ctx.stmt("SELECT count(*) AS n FROM jobs WHERE replay_of = ?");
  const insert = ctx.stmt(
    `INSERT INTO jobs (id, event_id, handler, state, attempts, available_at, concurrency_key, replay_of, enqueued_at, updated_at)
     VALUES (?, ?, ?, 'PENDING', 0, ?, ?, ?, ?, ?)`,
  );
  const out: ReplayedJob[] = [];
  for (const root of roots) {
    const last = (latest.get(root.id) as JobRow | undefined) ?? root;
    if (filter.status !== undefined && !hasStatus(last, filter.status)) continue;
    let n = (family.get(root.id) as { n: number }).n + 1;
    while (getRow(ctx, `${root.id}#replay-${n}`)) n += 1;
    const id = `${root.id}#replay-${n}`;
    insert.run(id, root.event_id, root.handler, now, root.concurrency_key, root.id, now, now);
    out.push({ jobId: id, replayOf: root.id });
  }
  return out;
}

export function countsOp(ctx: StoreContext): Record<StoreJobState, number> {
  const counts = Object.fromEntries(STORE_JOB_STATES.map((s) => [s, 0])) as Record<StoreJobState, number>;
  for (const r of ctx.stmt("SELECT state, n FROM job_counts").all() as { state: StoreJobState; n: number }[]) {
    counts[r.state] = r.n;
  }
  return counts;
}

/**
 * Retention: events received more than `event_log_retention_days` ago go, with their finished
 * jobs. An event with unfinished jobs stays. The dedupe window is the retention.
 */
export function pruneOp(ctx: StoreContext, now: number): { events: number; jobs: number } {
  const cutoff = now - ctx.config.event_log_retention_days * 86_400_000;
  const old =
    "SELECT id FROM events WHERE received_at < ? AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.event_id = events.id AND jobs.state NOT IN ('COMPLETED', 'SKIPPED', 'DROPPED', 'DEAD'))";
  const jobs = ctx.stmt(`DELETE FROM jobs WHERE event_id IN (${old}) AND state <> 'DEAD'`).run(cutoff).changes;
  const events = ctx
    .stmt(`DELETE FROM events WHERE id IN (${old}) AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.event_id = events.id)`)
    .run(cutoff).changes;
  return { events, jobs };
}
