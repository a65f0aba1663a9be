/**
 * Read-only views of jobs and events for the dashboard: a filtered job list joined with its event,
 * the jobs changed since a time (the live feed), an event's JSON, a job's runs, activity per
 * source and the latest payload a handler saw. Reads only; nothing here takes the write lock.
 */
import type { Event, EventResult } from "../../shared/events/event.ts";
import type { StoreJobState } from "./job-state.ts";
import type { StoreContext } from "./store-context.ts";

/** A job row with the facts of its event. Times are epoch ms. */
export interface JobView {
  readonly id: string;
  readonly eventId: string;
  readonly handler: string;
  readonly state: StoreJobState;
  readonly attempts: number;
  readonly enqueuedAt: number;
  readonly updatedAt: number;
  readonly replayOf?: string;
  readonly lastError?: string;
  /** The latest run's EventResult (without its step trace: see runsOf). */
  readonly result?: EventResult;
  readonly eventType: string;
  readonly eventSource: string;
  readonly receivedAt: number;
}

export interface JobViewFilter {
  readonly handler?: string;
  readonly states?: readonly StoreJobState[];
  /** Epoch ms: events received at or after. */
  readonly since?: number;
  readonly limit: number;
}

export interface SourceActivity {
  /** The event's `source`: webhook path, schedule or watcher name, `cli`, `dashboard`. */
  readonly source: string;
  readonly events: number;
  readonly lastReceivedAt: number;
}

interface Row {
  readonly id: string;
  readonly event_id: string;
  readonly handler: string;
  readonly state: StoreJobState;
  readonly attempts: number;
  readonly enqueued_at: number;
  readonly updated_at: number;
  readonly replay_of: string | null;
  readonly last_error: string | null;
  readonly result_json: string | null;
  readonly type: string;
  readonly source: string;
  readonly received_at: number;
}

const SELECT = `SELECT j.id, j.event_id, j.handler, j.state, j.attempts, j.enqueued_at, j.updated_at, j.replay_of,
  j.last_error, j.result_json, e.type, e.source, e.received_at FROM jobs j JOIN events e ON e.id = j.event_id`;

function toView(r: Row): JobView {
  let result: EventResult | undefined;
  if (r.result_json !== null) {
    const { steps: _steps, ...rest } = JSON.parse(r.result_json) as EventResult;
    result = rest;
  }
  return {
    id: r.id,
    eventId: r.event_id,
    handler: r.handler,
    state: r.state,
    attempts: r.attempts,
    enqueuedAt: r.enqueued_at,
    updatedAt: r.updated_at,
    ...(r.replay_of !== null ? { replayOf: r.replay_of } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    ...(result ? { result } : {}),
    eventType: r.type,
    eventSource: r.source,
    receivedAt: r.received_at,
  };
}

/** Newest first. */
export function listJobViewsOp(ctx: StoreContext, filter: JobViewFilter): JobView[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.handler !== undefined) {
    where.push("j.handler = ?");
    params.push(filter.handler);
  }
  if (filter.states !== undefined && filter.states.length > 0) {
    where.push(`j.state IN (${filter.states.map(() => "?").join(", ")})`);
    params.push(...filter.states);
  }
  if (filter.since !== undefined) {
    where.push("e.received_at >= ?");
    params.push(filter.since);
  }
  const sql = `${SELECT} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY j.seq DESC LIMIT ?`;
  return (ctx.stmt(sql).all(...params, filter.limit) as Row[]).map(toView);
}

/** Jobs whose row changed at or after `since` (epoch ms), oldest change first. */
export function jobViewsUpdatedSinceOp(ctx: StoreContext, since: number, limit: number): JobView[] {
  return (
    ctx.stmt(`${SELECT} WHERE j.updated_at >= ? ORDER BY j.updated_at, j.seq LIMIT ?`).all(since, limit) as Row[]
  ).map(toView);
}

export function jobViewOp(ctx: StoreContext, jobId: string): JobView | undefined {
  const row = ctx.stmt(`${SELECT} WHERE j.id = ?`).get(jobId) as Row | undefined;
  return row && toView(row);
}

export function eventOp(ctx: StoreContext, eventId: string): Event | undefined {
  const row = ctx.stmt("SELECT json FROM events WHERE id = ?").get(eventId) as { json: string } | undefined;
  return row && (JSON.parse(row.json) as Event);
}

/** Every run of a job kept in history, oldest first, with their step traces. */
export function runsOfOp(ctx: StoreContext, jobId: string): EventResult[] {
  return (ctx.stmt("SELECT json FROM history WHERE job_id = ? ORDER BY seq").all(jobId) as { json: string }[]).map(
    (r) => JSON.parse(r.json) as EventResult,
  );
}

export function sourceActivityOp(ctx: StoreContext): SourceActivity[] {
  return (
    ctx.stmt("SELECT source, count(*) AS n, max(received_at) AS last FROM events GROUP BY source").all() as {
      source: string;
      n: number;
      last: number;
    }[]
  ).map((r) => ({ source: r.source, events: r.n, lastReceivedAt: r.last }));
}

/** The payload of the newest event that made a job for `handler`. */
export function latestPayloadOp(ctx: StoreContext, handler: string): Record<string, unknown> | undefined {
  const row = ctx
    .stmt(
      "SELECT e.json FROM jobs j JOIN events e ON e.id = j.event_id WHERE j.handler = ? ORDER BY j.seq DESC LIMIT 1",
    )
    .get(handler) as { json: string } | undefined;
  return row && (JSON.parse(row.json) as Event).payload;
}
