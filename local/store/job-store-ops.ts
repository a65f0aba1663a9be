/**
 * The shared JobStore port (claim / complete / fail / get) on the jobs table. The shared runner
 * claims every job before running it; a job the worker handed out (RUNNING, `claimed = 0`) is
 * claimable exactly once, so the worker + runJob pair never runs a job twice. See ARCHITECTURE.md.
 */
import type { EventResult } from "../../shared/events/event.ts";
import type { ClaimOutcome, JobRecord } from "../../shared/ports/job-store.ts";
import { finishedStateOf, portStateOf, StoreJobState } from "./job-state.ts";
import { StoreRequestError } from "./store-error.ts";
import { getRow, type JobRow, type StoreContext } from "./store-context.ts";

export function toRecord(row: JobRow): JobRecord {
  return {
    jobId: row.id,
    state: portStateOf(row.state),
    leaseExpiresAt: row.lease_expires_at ?? 0,
    attempts: row.attempts,
    ...(row.result_json !== null ? { result: JSON.parse(row.result_json) as EventResult } : {}),
    updatedAt: row.updated_at,
  };
}

function splitJobId(jobId: string): { eventId: string; handler: string } {
  const at = jobId.indexOf("#");
  return at < 0
    ? { eventId: jobId, handler: "" }
    : { eventId: jobId.slice(0, at), handler: jobId.slice(at + 1).split("#")[0]! };
}

function validId(where: string, jobId: string): void {
  if (typeof jobId !== "string" || jobId === "")
    throw new StoreRequestError(`${where}: job id must be a non-empty string`);
}

export function claimOp(ctx: StoreContext, jobId: string, leaseMs: number, now: number): ClaimOutcome {
  validId("claim", jobId);
  const row = getRow(ctx, jobId);
  if (!row) {
    // A job the queue never saw (another intake path): the dedupe record starts here.
    const { eventId, handler } = splitJobId(jobId);
    ctx
      .stmt(
        `INSERT INTO jobs (id, event_id, handler, state, attempts, available_at, lease_expires_at, claimed, owner, enqueued_at, updated_at)
       VALUES (?, ?, ?, 'RUNNING', 1, ?, ?, 1, ?, ?, ?)`,
      )
      .run(jobId, eventId, handler, now, now + leaseMs, ctx.instanceId, now, now);
    return { kind: "claimed", record: toRecord(getRow(ctx, jobId)!) };
  }
  switch (row.state) {
    case StoreJobState.COMPLETED:
    case StoreJobState.SKIPPED:
    case StoreJobState.DROPPED:
    case StoreJobState.DEAD:
      return { kind: "duplicate", record: toRecord(row) };
    case StoreJobState.RUNNING:
      if (row.claimed === 1 && (row.lease_expires_at ?? 0) > now) return { kind: "busy", record: toRecord(row) };
      break;
    default:
      break;
  }
  // A job the worker handed out (RUNNING, not claimed) had its attempt counted by takeBatch.
  const handedOut = row.state === StoreJobState.RUNNING && row.claimed === 0;
  ctx
    .stmt(
      "UPDATE jobs SET state = 'RUNNING', attempts = attempts + ?, claimed = 1, lease_expires_at = ?, owner = ?, updated_at = ? WHERE id = ?",
    )
    .run(handedOut ? 0 : 1, now + leaseMs, ctx.instanceId, now, jobId);
  return { kind: "claimed", record: toRecord(getRow(ctx, jobId)!) };
}

/** The run succeeded (or a hook skipped it): COMPLETED / SKIPPED, whatever state a stop left it in. */
export function completeOp(ctx: StoreContext, jobId: string, result: EventResult, now: number): void {
  validId("complete", jobId);
  const row = getRow(ctx, jobId);
  const state = finishedStateOf(result);
  if (!row) {
    const { eventId, handler } = splitJobId(jobId);
    ctx
      .stmt(
        `INSERT INTO jobs (id, event_id, handler, state, attempts, available_at, result_json, enqueued_at, updated_at)
       VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)`,
      )
      .run(jobId, eventId, handler, state, now, JSON.stringify(result), now, now);
    return;
  }
  if (
    row.state === StoreJobState.COMPLETED ||
    row.state === StoreJobState.SKIPPED ||
    row.state === StoreJobState.DROPPED
  )
    return;
  ctx
    .stmt(
      "UPDATE jobs SET state = ?, result_json = ?, lease_expires_at = NULL, claimed = 0, updated_at = ? WHERE id = ?",
    )
    .run(state, JSON.stringify(result), now, jobId);
}

/** The run failed: RUNNING -> FAILED, until the worker decides (retry later or dead letter). */
export function failOp(ctx: StoreContext, jobId: string, result: EventResult, now: number): void {
  validId("fail", jobId);
  const row = getRow(ctx, jobId);
  const error = result.error ?? "failed";
  if (!row) {
    const { eventId, handler } = splitJobId(jobId);
    ctx
      .stmt(
        `INSERT INTO jobs (id, event_id, handler, state, attempts, available_at, last_error, result_json, enqueued_at, updated_at)
       VALUES (?, ?, ?, 'FAILED', 1, ?, ?, ?, ?, ?)`,
      )
      .run(jobId, eventId, handler, now, error, JSON.stringify(result), now, now);
    return;
  }
  if (row.state === StoreJobState.RUNNING) {
    // The lease and owner stay: recovery tells a decision in progress from one lost in a crash.
    ctx
      .stmt(
        "UPDATE jobs SET state = 'FAILED', claimed = 0, last_error = ?, result_json = ?, updated_at = ? WHERE id = ?",
      )
      .run(error, JSON.stringify(result), now, jobId);
  } else {
    ctx
      .stmt("UPDATE jobs SET last_error = ?, result_json = ?, updated_at = ? WHERE id = ?")
      .run(error, JSON.stringify(result), now, jobId);
  }
}
