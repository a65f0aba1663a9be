/**
 * Approval gates in the embedded store. A run that stops at a gate is PARKED: its row keeps the
 * gate and the run's snapshot (`parked_json`) and holds no worker slot. Approving moves it back to
 * PENDING (attempts from 0) and the next take continues the run from the gate; denying ends it
 * DENIED with a result saying so (history too). A gate with a timeout decides by its `default` once
 * the timeout has passed.
 */
import type { EventResult } from "../../shared/events/event.ts";
import { deniedResult, gateDeadline, timeoutDecision, type ParkedJob } from "../../shared/events/gate-decisions.ts";
import type { GateDecision, ParkedRun } from "../../shared/events/parked-run.ts";
import { appendHistoryRow } from "./intake.ts";
import { StoreJobState } from "./job-state.ts";
import { StoreRequestError } from "./store-error.ts";
import { getRow, type JobRow, type StoreContext, type StoredGate } from "./store-context.ts";

export { gateDecision, type ParkedJob } from "../../shared/events/gate-decisions.ts";

export interface GateOutcome {
  readonly jobId: string;
  /** PENDING: it continues; DENIED: it ended. */
  readonly state: typeof StoreJobState.PENDING | typeof StoreJobState.DENIED;
  readonly decision: GateDecision;
}

/** RUNNING/FAILED -> PARKED with the gate and snapshot; the run's result (status parked) is kept. */
export function parkOp(ctx: StoreContext, jobId: string, result: EventResult, parked: ParkedRun, now: number): void {
  const deadline = gateDeadline(parked.gate, now);
  const stored: StoredGate = { parked, parkedAt: now, ...(deadline !== undefined ? { deadline } : {}) };
  const info = ctx
    .stmt(
      `UPDATE jobs SET state = 'PARKED', parked_json = ?, result_json = ?, last_error = NULL, lease_expires_at = NULL, claimed = 0, owner = NULL, updated_at = ?
       WHERE id = ? AND state NOT IN ('COMPLETED', 'SKIPPED', 'DENIED', 'DROPPED')`,
    )
    .run(JSON.stringify(stored), JSON.stringify(result), now, jobId);
  if (info.changes === 0) throw new StoreRequestError(`no job "${jobId}" to park in the store`);
}

function parkedRows(ctx: StoreContext): JobRow[] {
  return ctx.stmt("SELECT * FROM jobs WHERE state = 'PARKED' ORDER BY seq").all() as JobRow[];
}

export function listParkedOp(ctx: StoreContext): ParkedJob[] {
  return parkedRows(ctx).map((row) => {
    const stored = JSON.parse(row.parked_json!) as StoredGate;
    return {
      id: row.id,
      eventId: row.event_id,
      handler: row.handler,
      gate: stored.parked.gate,
      parkedAt: new Date(stored.parkedAt).toISOString(),
      ...(stored.deadline !== undefined ? { decidesAt: new Date(stored.deadline).toISOString() } : {}),
    };
  });
}

function decide(ctx: StoreContext, row: JobRow, decision: GateDecision, now: number): GateOutcome {
  const stored = JSON.parse(row.parked_json!) as StoredGate;
  const json = JSON.stringify({ ...stored, decision } satisfies StoredGate);
  if (decision.approved) {
    ctx
      .stmt(
        "UPDATE jobs SET state = 'PENDING', attempts = 0, available_at = ?, parked_json = ?, updated_at = ? WHERE id = ? AND state = 'PARKED'",
      )
      .run(now, json, now, row.id);
    return { jobId: row.id, state: StoreJobState.PENDING, decision };
  }
  const result = deniedResult(
    { jobId: row.id, eventId: row.event_id, handler: row.handler, attempt: row.attempts },
    stored.parked,
    decision,
    now,
  );
  ctx
    .stmt(
      "UPDATE jobs SET state = 'DENIED', parked_json = ?, result_json = ?, updated_at = ? WHERE id = ? AND state = 'PARKED'",
    )
    .run(json, JSON.stringify(result), now, row.id);
  appendHistoryRow(ctx, result, now);
  return { jobId: row.id, state: StoreJobState.DENIED, decision };
}

/** A person's answer. A job that is not waiting at a gate is an error naming it; nothing changes. */
export function decideGateOp(ctx: StoreContext, jobId: string, decision: GateDecision, now: number): GateOutcome {
  const row = getRow(ctx, jobId);
  if (!row) throw new StoreRequestError(`no job "${jobId}" in the store`);
  if (row.state !== StoreJobState.PARKED)
    throw new StoreRequestError(`job "${jobId}" is ${row.state}, not waiting at an approval gate`);
  return decide(ctx, row, decision, now);
}

/** Gates whose timeout has passed decide by their `default`. */
export function expireGatesOp(ctx: StoreContext, now: number): GateOutcome[] {
  const out: GateOutcome[] = [];
  for (const row of parkedRows(ctx)) {
    const stored = JSON.parse(row.parked_json!) as StoredGate;
    if (stored.deadline === undefined || stored.deadline > now) continue;
    out.push(decide(ctx, row, timeoutDecision(stored.parked.gate, now), now));
  }
  return out;
}

/** Epoch ms of the earliest gate timeout, if any gate has one. */
export function nextGateDeadlineOp(ctx: StoreContext): number | undefined {
  let next: number | undefined;
  for (const row of parkedRows(ctx)) {
    const d = (JSON.parse(row.parked_json!) as StoredGate).deadline;
    if (d !== undefined && (next === undefined || d < next)) next = d;
  }
  return next;
}
