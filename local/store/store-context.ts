/** What the store's operation modules share: the connection, a prepared-statement cache, the config, row mapping. */
import type Database from "better-sqlite3";
import type { Event, EventResult, Job } from "../../shared/events/event.ts";
import type { GateDecision, ParkedRun, RunResume } from "../../shared/events/parked-run.ts";
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import type { StoreJobState } from "./job-state.ts";

export interface StoreContext {
  readonly db: Database.Database;
  readonly config: OrchestratorConfig;
  /** This open store's id: stamped on the rows it runs, so a restart knows which runs were interrupted. */
  readonly instanceId: string;
  readonly file: string;
  /** Prepares `sql` once and reuses it. */
  stmt(sql: string): Database.Statement;
}

export function createContext(
  db: Database.Database,
  config: OrchestratorConfig,
  instanceId: string,
  file: string,
): StoreContext {
  const cache = new Map<string, Database.Statement>();
  return {
    db,
    config,
    instanceId,
    file,
    stmt(sql) {
      let s = cache.get(sql);
      if (!s) {
        s = db.prepare(sql);
        cache.set(sql, s);
      }
      return s;
    },
  };
}

export interface JobRow {
  readonly seq: number;
  readonly id: string;
  readonly event_id: string;
  readonly handler: string;
  readonly state: StoreJobState;
  readonly attempts: number;
  readonly available_at: number;
  readonly lease_expires_at: number | null;
  readonly claimed: number;
  readonly owner: string | null;
  readonly concurrency_key: string | null;
  readonly superseded_by: string | null;
  readonly replay_of: string | null;
  readonly announced: number;
  readonly last_error: string | null;
  readonly result_json: string | null;
  /** A ParkedRun, plus its GateDecision once decided (approval gates). */
  readonly parked_json: string | null;
  readonly enqueued_at: number;
  readonly updated_at: number;
}

/** A job row as the CLI and the admin API show it. */
export interface StoredJob {
  readonly id: string;
  readonly eventId: string;
  readonly handler: string;
  readonly state: StoreJobState;
  readonly attempts: number;
  readonly availableAt: number;
  readonly leaseExpiresAt?: number;
  readonly concurrencyKey?: string;
  readonly supersededBy?: string;
  readonly replayOf?: string;
  readonly lastError?: string;
  readonly result?: EventResult;
  readonly enqueuedAt: number;
  readonly updatedAt: number;
}

export function toStoredJob(row: JobRow): StoredJob {
  return {
    id: row.id,
    eventId: row.event_id,
    handler: row.handler,
    state: row.state,
    attempts: row.attempts,
    availableAt: row.available_at,
    ...(row.lease_expires_at !== null ? { leaseExpiresAt: row.lease_expires_at } : {}),
    ...(row.concurrency_key !== null ? { concurrencyKey: row.concurrency_key } : {}),
    ...(row.superseded_by !== null ? { supersededBy: row.superseded_by } : {}),
    ...(row.replay_of !== null ? { replayOf: row.replay_of } : {}),
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    ...(row.result_json !== null ? { result: JSON.parse(row.result_json) as EventResult } : {}),
    enqueuedAt: row.enqueued_at,
    updatedAt: row.updated_at,
  };
}

/** Rebuilds the Job a runner gets: the row's facts plus the logged event; `attempt` is the run about to start. */
export function toJob(row: JobRow, eventJson: string): Job {
  return {
    id: row.id,
    handler: row.handler,
    event: JSON.parse(eventJson) as Event,
    attempt: row.attempts + 1,
    enqueued_at: new Date(row.enqueued_at).toISOString(),
    ...(row.concurrency_key !== null ? { concurrency_key: row.concurrency_key } : {}),
    ...(row.replay_of !== null ? { replay_of: row.replay_of } : {}),
    ...resumeOf(row),
  };
}

/** A job approved at a gate continues from there: its row carries the parked run and the decision. */
function resumeOf(row: JobRow): { resume?: RunResume } {
  if (row.parked_json === null) return {};
  const stored = JSON.parse(row.parked_json) as StoredGate;
  return stored.decision?.approved ? { resume: { parked: stored.parked, decision: stored.decision } } : {};
}

/** What `parked_json` holds. */
export interface StoredGate {
  readonly parked: ParkedRun;
  readonly parkedAt: number;
  /** Epoch ms when the gate's timeout decides, if it has one. */
  readonly deadline?: number;
  readonly decision?: GateDecision;
}

export function getRow(ctx: StoreContext, jobId: string): JobRow | undefined {
  return ctx.stmt("SELECT * FROM jobs WHERE id = ?").get(jobId) as JobRow | undefined;
}

/** The handler's `retry.max_attempts`, else the global one. */
export function maxAttemptsOf(config: OrchestratorConfig, handler: string): number {
  return config.handlers[handler]?.retry?.max_attempts ?? config.retry.max_attempts;
}

/** Lease of a job handed out by the worker: the handler's timeout plus a grace minute. */
export function dispatchLeaseOf(config: OrchestratorConfig, handler: string): number {
  return (config.handlers[handler]?.timeout_ms ?? 300_000) + 60_000;
}

export function resultJson(result: EventResult): string {
  return JSON.stringify(result);
}
