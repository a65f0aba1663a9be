/** History, last-run times, handler state and the spec's EventState export. */
import type { Event, EventResult } from "../../shared/events/event.ts";
import type { HistoryQuery } from "../../shared/ports/history-store.ts";
import { decodeStoredEvent, type StoredEventJson } from "./stored-event.ts";
import type { StoreContext } from "./store-context.ts";

/** The spec's `EventState`, exported from the store (`evd daemon state --json`). */
export interface EventState {
  /** Schedule name -> ISO time of its last run. */
  readonly last_run: Record<string, string>;
  /** Every event id in the event log (the dedupe set, within the retention window). */
  readonly processed_events: string[];
  /** Events with a job still waiting or running, oldest first. */
  readonly pending_queue: Event[];
  readonly handler_state: Record<string, unknown>;
}

export function listHistory(ctx: StoreContext, query: HistoryQuery = {}): EventResult[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.handler !== undefined) {
    where.push("handler = ?");
    params.push(query.handler);
  }
  if (query.status !== undefined) {
    where.push("status = ?");
    params.push(query.status);
  }
  if (query.since !== undefined) {
    where.push("started_at >= ?");
    params.push(query.since);
  }
  const limit = query.limit ?? ctx.config.history_limit;
  const sql = `SELECT json FROM history ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`;
  return (ctx.stmt(sql).all(...params, limit) as { json: string }[]).map((r) => JSON.parse(r.json) as EventResult);
}

export function getLastRun(ctx: StoreContext, name: string): number | undefined {
  return (ctx.stmt("SELECT at FROM last_run WHERE name = ?").get(name) as { at: number } | undefined)?.at;
}

export function setLastRunOp(ctx: StoreContext, name: string, at: number): void {
  ctx
    .stmt("INSERT INTO last_run (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at")
    .run(name, at);
}

export function getHandlerState(ctx: StoreContext, key: string): unknown {
  const row = ctx.stmt("SELECT json FROM handler_state WHERE key = ?").get(key) as { json: string } | undefined;
  return row === undefined ? undefined : JSON.parse(row.json);
}

/** `undefined` deletes the key. */
export function setHandlerStateOp(ctx: StoreContext, key: string, value: unknown, now: number): void {
  if (value === undefined) {
    ctx.stmt("DELETE FROM handler_state WHERE key = ?").run(key);
    return;
  }
  ctx
    .stmt(
      "INSERT INTO handler_state (key, json, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
    )
    .run(key, JSON.stringify(value), now);
}

export function exportStateOf(ctx: StoreContext): EventState {
  const last_run = Object.fromEntries(
    (ctx.stmt("SELECT name, at FROM last_run ORDER BY name").all() as { name: string; at: number }[]).map((r) => [
      r.name,
      new Date(r.at).toISOString(),
    ]),
  );
  const processed_events = (ctx.stmt("SELECT id FROM events ORDER BY seq").all() as { id: string }[]).map((r) => r.id);
  const pending_queue = (
    ctx
      .stmt(
        `SELECT e.json FROM events e WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = e.id AND j.state IN ('PENDING', 'RETRY_WAIT', 'RUNNING', 'FAILED')) ORDER BY e.seq`,
      )
      .all() as { json: StoredEventJson }[]
  ).map((r) => JSON.parse(decodeStoredEvent(r.json)) as Event);
  const handler_state = Object.fromEntries(
    (ctx.stmt("SELECT key, json FROM handler_state ORDER BY key").all() as { key: string; json: string }[]).map((r) => [
      r.key,
      JSON.parse(r.json) as unknown,
    ]),
  );
  return { last_run, processed_events, pending_queue, handler_state };
}
