/**
 * The guardrails' tables in the embedded store: budget counters (the CounterStore port of
 * shared/guardrails) and finished spans (the SpanStore port of shared/tracing, read by
 * `evd daemon trace`). Both are written through the group committer like every other write, so a
 * counter change is one SQLite transaction: atomic by construction in the one daemon per store.
 */
import { decodePayload, encodePayload } from "../../shared/codec/payload-codec.ts";
import type { CounterChange, CounterOutcome } from "../../shared/guardrails/counter-store.ts";
import { admissionSpanOf } from "../../shared/tracing/admission-span.ts";
import { isAdmissionSpan, type SpanRecord } from "../../shared/tracing/span-record.ts";
import type { StoreContext } from "./store-context.ts";

/** Migration 3 (migrations.ts). */
export const GUARDRAIL_TABLES_SQL = `
  CREATE TABLE counters (
    key TEXT NOT NULL,
    field TEXT NOT NULL,
    value INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (key, field)
  ) WITHOUT ROWID;
  CREATE INDEX counters_expiry ON counters (expires_at);

  CREATE TABLE spans (
    seq INTEGER PRIMARY KEY,
    event_id TEXT,
    start_ms INTEGER NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX spans_event ON spans (event_id);
  CREATE INDEX spans_start ON spans (start_ms);
`;
// A few spans per job run, kept as one row per export batch (appendSpansOp) with one random-key
// index (the event id); the rowid and the start time grow in order. Admission spans are not stored
// (rebuilt from `events`).

function counterValue(ctx: StoreContext, key: string, field: string): number {
  const row = ctx.stmt("SELECT value FROM counters WHERE key = ? AND field = ?").get(key, field) as
    { value: number } | undefined;
  return row?.value ?? 0;
}

/** All or nothing, inside the batch's transaction. */
export function applyCountersOp(ctx: StoreContext, changes: readonly CounterChange[]): CounterOutcome {
  for (const c of changes) {
    if (c.below !== undefined && !(counterValue(ctx, c.key, c.field) < c.below)) return { ok: false, refused: c };
  }
  const upsert = ctx.stmt(
    `INSERT INTO counters (key, field, value, expires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (key, field) DO UPDATE SET value = value + excluded.value, expires_at = max(expires_at, excluded.expires_at)`,
  );
  for (const c of changes) if (c.add !== 0 || c.below === undefined) upsert.run(c.key, c.field, c.add, c.expiresAt);
  return { ok: true };
}

export function readCounters(ctx: StoreContext, key: string): Record<string, number> {
  const rows = ctx.stmt("SELECT field, value FROM counters WHERE key = ?").all(key) as {
    field: string;
    value: number;
  }[];
  return Object.fromEntries(rows.map((r) => [r.field, r.value]));
}

/**
 * One row per event and export batch (a job's span and its steps' spans usually come in one batch):
 * the spans as one JSON array through the payload codec, about 0.4x the bytes of a row per span.
 * Rows of one span (a JSON object, as written before) still read.
 */
export function appendSpansOp(ctx: StoreContext, spans: readonly SpanRecord[]): void {
  const insert = ctx.stmt("INSERT INTO spans (event_id, start_ms, json) VALUES (?, ?, ?)");
  const byEvent = new Map<string | null, SpanRecord[]>();
  for (const s of spans) {
    const key = s.event_id ?? null;
    byEvent.set(key, [...(byEvent.get(key) ?? []), s]);
  }
  for (const [eventId, group] of byEvent) {
    const start = Math.min(...group.map((s) => s.start_ms));
    // A span carries step errors: scrubbed like every stored error text, before compression.
    insert.run(eventId, start, encodePayload(ctx.errorText(JSON.stringify(group))));
  }
}

/**
 * The spans of an event (every span this project makes names its event), oldest first, each once
 * (an exporter retrying a batch may have written one twice). The admission span, which the daemon
 * does not write on the webhook path, is rebuilt from the event log (shared/tracing/admission-span.ts).
 */
export function spansOfEvent(ctx: StoreContext, eventId: string): SpanRecord[] {
  const rows = ctx.stmt("SELECT json FROM spans WHERE event_id = ? ORDER BY start_ms, seq").all(eventId) as {
    json: string | Buffer;
  }[];
  const seen = new Set<string>();
  const out: SpanRecord[] = [];
  for (const r of rows) {
    const parsed = JSON.parse(decodePayload(r.json)) as SpanRecord | SpanRecord[];
    for (const s of Array.isArray(parsed) ? parsed : [parsed]) {
      const id = `${s.trace_id}/${s.span_id}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(s);
    }
  }
  // Rows hold several spans: oldest first across rows (a stable sort keeps the written order of ties).
  out.sort((a, b) => a.start_ms - b.start_ms);
  if (!out.some(isAdmissionSpan)) {
    const logged = loggedAdmission(ctx, eventId);
    if (logged) out.unshift(admissionSpanOf(logged));
  }
  return out;
}

function loggedAdmission(ctx: StoreContext, eventId: string): Parameters<typeof admissionSpanOf>[0] | undefined {
  const ev = ctx.stmt("SELECT type, source, received_at FROM events WHERE id = ?").get(eventId) as
    { type: string; source: string; received_at: number } | undefined;
  if (!ev) return undefined;
  // Dropped at intake: every original job DROPPED without a run (a budget refusal has one).
  const jobs = ctx
    .stmt(
      "SELECT count(*) AS n, coalesce(sum(state = 'DROPPED' AND attempts = 0), 0) AS dropped FROM jobs WHERE event_id = ? AND replay_of IS NULL",
    )
    .get(eventId) as { n: number; dropped: number };
  return {
    eventId,
    type: ev.type,
    source: ev.source,
    receivedAt: ev.received_at,
    outcome: jobs.n > 0 && jobs.dropped === jobs.n ? "dropped" : "accepted",
  };
}

/** Expired counters go; spans are kept as long as the event log (`event_log_retention_days`). */
export function pruneGuardrailsOp(ctx: StoreContext, now: number): { counters: number; spans: number } {
  const counters = ctx.stmt("DELETE FROM counters WHERE expires_at < ?").run(now).changes;
  const cutoff = now - ctx.config.event_log_retention_days * 86_400_000;
  const spans = ctx.stmt("DELETE FROM spans WHERE start_ms < ?").run(cutoff).changes;
  return { counters, spans };
}
