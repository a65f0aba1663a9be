/**
 * The embedded durable store of the daemon: one SQLite file `<stateDir>/evd.db` holding the event
 * log, the job queue with its dedupe records and leases, dead letters, history, last-run times and
 * handler state. It is the JobQueue, and hands out the other shared ports as views (`jobs`,
 * `history`, `lastRun`: JobStore and LastRunStore both name a method `get`, so one object cannot
 * be both), plus what the worker and the operator need. Design: ARCHITECTURE.md beside this file.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Event, EventResult, Job } from "../../shared/events/event.ts";
import type { GateDecision, ParkedRun } from "../../shared/events/parked-run.ts";
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import { systemClock, type Clock } from "../../shared/ports/clock.ts";
import type { HistoryQuery, HistoryStore } from "../../shared/ports/history-store.ts";
import type { JobQueue, SubmitOptions, SubmitOutcome } from "../../shared/ports/job-queue.ts";
import type { ClaimOutcome, JobRecord, JobStore } from "../../shared/ports/job-store.ts";
import type { LastRunStore } from "../../shared/ports/last-run-store.ts";
import type { CounterStore } from "../../shared/guardrails/counter-store.ts";
import type { SpanStore } from "../../shared/tracing/span-record.ts";
import {
  countsOp,
  listDeadOp,
  pruneOp,
  redriveOp,
  replayOp,
  type RedriveSelector,
  type ReplayedJob,
  type ReplayFilter,
} from "./admin.ts";
import {
  ackOp,
  deadLetterOp,
  recoverInterruptedOp,
  releaseOp,
  retryLaterOp,
  takeBatchOp,
  takeUnannouncedDropsOp,
  type DroppedJob,
  type Recovered,
} from "./dispatch.ts";
import { Checkpointer } from "./checkpointer.ts";
import {
  decideGateOp,
  expireGatesOp,
  listParkedOp,
  nextGateDeadlineOp,
  parkOp,
  type GateOutcome,
  type ParkedJob,
} from "./gates.ts";
import { GroupCommitter, type GroupCommitStats } from "./group-commit.ts";
import { appendHistoryRow, submitOp } from "./intake.ts";
import { applyCountersOp, appendSpansOp, pruneGuardrailsOp, readCounters, spansOfEvent } from "./guardrail-records.ts";
import type { StoreJobState } from "./job-state.ts";
import { claimOp, completeOp, failOp, toRecord } from "./job-store-ops.ts";
import { migrate } from "./migrations.ts";
import {
  exportStateOf,
  getHandlerState,
  getLastRun,
  listHistory,
  setHandlerStateOp,
  setLastRunOp,
  type EventState,
} from "./records.ts";
import {
  eventOp,
  jobViewOp,
  jobViewsUpdatedSinceOp,
  latestPayloadOp,
  listJobViewsOp,
  runsOfOp,
  sourceActivityOp,
  type JobView,
  type JobViewFilter,
  type SourceActivity,
} from "./job-views.ts";
import { createContext, getRow, toStoredJob, type StoredJob } from "./store-context.ts";
import { StoreError } from "./store-error.ts";
import { WalSync } from "./wal-sync.ts";

export const STORE_FILE_NAME = "evd.db";

/** WAL size past which a passive checkpoint is requested (about SQLite's default of 1000 pages). */
const CHECKPOINT_WAL_BYTES = 4 * 1024 * 1024;

export interface LocalStoreOptions {
  /** The state directory (the folder of the config's `state_file`); created if missing. */
  readonly dir: string;
  readonly config: OrchestratorConfig;
  /** @default systemClock */
  readonly clock?: Clock;
  /** How long a writer waits for another connection's lock (a CLI reading while the daemon writes). @default 5000 */
  readonly busyTimeoutMs?: number;
}

/** Read-only views for the dashboard (job-views.ts). */
export interface JobViews {
  list(filter: JobViewFilter): JobView[];
  updatedSince(since: number, limit: number): JobView[];
  get(jobId: string): JobView | undefined;
  event(eventId: string): Event | undefined;
  runsOf(jobId: string): EventResult[];
  sourceActivity(): SourceActivity[];
  latestPayload(handler: string): Record<string, unknown> | undefined;
}

export interface LocalStore extends JobQueue {
  readonly file: string;
  /** The JobStore port (dedupe + leases): what the shared runner claims through. */
  readonly jobs: JobStore;
  readonly history: HistoryStore;
  readonly lastRun: LastRunStore;
  readonly views: JobViews;
  /** Budget counters (shared/guardrails). */
  readonly counters: CounterStore;
  /** Finished spans (shared/tracing), for `evd daemon trace`. */
  readonly spans: SpanStore;
  /** Dedupe by event id, overflow policy, supersede; group-committed: resolves once durable. */
  submit(event: Event, jobs: readonly Job[], options?: SubmitOptions): Promise<SubmitOutcome>;
  takeNext(now?: number): Promise<Job | undefined>;
  takeBatch(limit: number, now?: number): Promise<Job[]>;
  ack(jobId: string, result: EventResult): Promise<void>;
  retryLater(jobId: string, result: EventResult, availableAt: number): Promise<void>;
  deadLetter(jobId: string, result: EventResult): Promise<void>;
  /** A graceful stop gives a running job back: PENDING, the interrupted attempt not counted. */
  release(jobId: string): Promise<boolean>;
  recoverInterrupted(now?: number): Promise<Recovered>;
  /** Superseded jobs not yet announced as `event:dropped`; marks them announced. */
  takeUnannouncedDrops(): Promise<DroppedJob[]>;
  listDead(): StoredJob[];
  redrive(selector: RedriveSelector): Promise<string[]>;
  replay(filter?: ReplayFilter): Promise<ReplayedJob[]>;
  getJob(jobId: string): StoredJob | undefined;
  /** Jobs waiting to run (PENDING + RETRY_WAIT). */
  depth(): number;
  counts(): Record<StoreJobState, number>;
  /** The earliest time a waiting job becomes runnable, if any waits. */
  nextDueAt(): number | undefined;
  /** A run stopped at an approval gate: PARKED until approved or denied (gates.ts). */
  park(jobId: string, result: EventResult, parked: ParkedRun): Promise<void>;
  listParked(): ParkedJob[];
  decideGate(jobId: string, decision: GateDecision): Promise<GateOutcome>;
  /** Applies the default of gates whose timeout has passed. */
  expireGates(now?: number): Promise<GateOutcome[]>;
  getHandlerState(key: string): unknown;
  setHandlerState(key: string, value: unknown): Promise<void>;
  exportState(): EventState;
  prune(now?: number): Promise<{ events: number; jobs: number }>;
  /** Called after a commit that made work runnable (submit, redrive, replay, recovery). */
  onWork(listener: () => void): () => void;
  commitStats(): GroupCommitStats & { checkpoints?: number };
  /** Commits the writes in flight, then closes the file. */
  close(): Promise<void>;
}

export function openLocalStore(opts: LocalStoreOptions): LocalStore {
  const clock = opts.clock ?? systemClock;
  const file = join(opts.dir, STORE_FILE_NAME);
  let db: Database.Database;
  try {
    mkdirSync(opts.dir, { recursive: true });
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    // FULL: in WAL mode NORMAL syncs only at checkpoints, so a power loss can lose the last
    // commits; FULL fsyncs the WAL on every commit, so an acknowledged (202) job survives kill -9
    // AND power loss. Group commit (group-commit.ts) pays that fsync once per batch of requests.
    db.pragma("synchronous = FULL");
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    // Statement journals (one per savepoint of a group-commit batch) stay in memory: they only
    // undo a failed statement and play no part in crash recovery.
    db.pragma("temp_store = MEMORY");
    migrate(db, file);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot open the store ${file}: ${(error as Error).message}`, { cause: error });
  }
  // The fsync of each commit leaves the event loop (wal-sync.ts): this connection commits without
  // syncing, the group committer settles a batch only after an fdatasync of the WAL started after
  // its COMMIT, and checkpoints run on a FULL connection in a worker (checkpointer.ts). If the WAL
  // file cannot be opened, the connection stays FULL and commits sync in place.
  const walSync = openWalSync(db, file);
  const checkpointer = new Checkpointer(file);
  const ctx = createContext(db, opts.config, randomUUID(), file);
  // Under steady writes a passive checkpoint rarely catches up with the writer, so the WAL does not
  // start over: a checkpoint is asked for each time the file grew by CHECKPOINT_WAL_BYTES, and
  // `journal_size_limit` shrinks it back when it does start over.
  let checkpointAt = CHECKPOINT_WAL_BYTES;
  const afterSync = (): void => {
    const size = walSync!.size();
    if (size < checkpointAt - CHECKPOINT_WAL_BYTES) checkpointAt = size + CHECKPOINT_WAL_BYTES;
    if (size < checkpointAt) return;
    checkpointAt = size + CHECKPOINT_WAL_BYTES;
    checkpointer.request();
  };
  const writer = new GroupCommitter(db, file, walSync ? { sync: () => walSync.sync(), afterSync } : {});
  const listeners = new Set<() => void>();
  let closed = false;
  let closing: Promise<void> | undefined;
  const now = (at?: number): number => at ?? clock.now();
  const signal = (): void => {
    for (const l of listeners) l();
  };
  const write = <T>(op: () => T): Promise<T> => writer.run(op);
  const read = <T>(fn: () => T): T => {
    if (closed) throw new StoreError(`${file}: the store is closed`);
    return fn();
  };

  const jobs: JobStore = {
    claim: (jobId, leaseMs, at): Promise<ClaimOutcome> => write(() => claimOp(ctx, jobId, leaseMs, at)),
    complete: (jobId, result, at) => write(() => completeOp(ctx, jobId, result, at)),
    fail: (jobId, result, at) => write(() => failOp(ctx, jobId, result, at)),
    async get(jobId): Promise<JobRecord | undefined> {
      return read(() => {
        const row = getRow(ctx, jobId);
        return row && toRecord(row);
      });
    },
  };
  const history: HistoryStore = {
    append: (result) => write(() => appendHistoryRow(ctx, result, clock.now())),
    async list(query?: HistoryQuery) {
      return read(() => listHistory(ctx, query));
    },
  };
  const lastRun: LastRunStore = {
    async get(name) {
      return read(() => getLastRun(ctx, name));
    },
    set: (name, at) => write(() => setLastRunOp(ctx, name, at)),
  };

  const views: JobViews = {
    list: (filter) => read(() => listJobViewsOp(ctx, filter)),
    updatedSince: (since, limit) => read(() => jobViewsUpdatedSinceOp(ctx, since, limit)),
    get: (jobId) => read(() => jobViewOp(ctx, jobId)),
    event: (eventId) => read(() => eventOp(ctx, eventId)),
    runsOf: (jobId) => read(() => runsOfOp(ctx, jobId)),
    sourceActivity: () => read(() => sourceActivityOp(ctx)),
    latestPayload: (handler) => read(() => latestPayloadOp(ctx, handler)),
  };
  const counters: CounterStore = {
    apply: (changes) => write(() => applyCountersOp(ctx, changes)),
    async read(key) {
      return read(() => readCounters(ctx, key));
    },
  };
  const spans: SpanStore = {
    append: (records) => write(() => appendSpansOp(ctx, records)),
    async spansOfEvent(eventId) {
      return read(() => spansOfEvent(ctx, eventId));
    },
  };

  return {
    file,
    jobs,
    history,
    lastRun,
    views,
    counters,
    spans,
    async submit(event, jobs, options) {
      const out = await write(() => submitOp(ctx, event, jobs, clock.now(), options));
      if (out.kind === "accepted" && out.jobIds.length > 0) signal();
      return out;
    },
    async takeNext(at) {
      return (await write(() => takeBatchOp(ctx, 1, now(at))))[0];
    },
    takeBatch: (limit, at) => write(() => takeBatchOp(ctx, limit, now(at))),
    ack: (jobId, result) => write(() => ackOp(ctx, jobId, result, clock.now())),
    retryLater: (jobId, result, availableAt) => write(() => retryLaterOp(ctx, jobId, result, availableAt, clock.now())),
    deadLetter: (jobId, result) => write(() => deadLetterOp(ctx, jobId, result, clock.now())),
    release: (jobId) => write(() => releaseOp(ctx, jobId, clock.now())),
    async recoverInterrupted(at) {
      const out = await write(() => recoverInterruptedOp(ctx, now(at)));
      if (out.requeued.length > 0) signal();
      return out;
    },
    async takeUnannouncedDrops() {
      // A cheap read first: the worker asks on every tick, and most ticks have nothing to announce.
      if (!read(() => ctx.stmt("SELECT 1 FROM jobs WHERE announced = 0 LIMIT 1").get())) return [];
      return write(() => takeUnannouncedDropsOp(ctx));
    },
    listDead: () => read(() => listDeadOp(ctx)),
    async redrive(selector) {
      const ids = await write(() => redriveOp(ctx, selector, clock.now()));
      if (ids.length > 0) signal();
      return ids;
    },
    async replay(filter = {}) {
      const out = await write(() => replayOp(ctx, filter, clock.now()));
      if (out.length > 0) signal();
      return out;
    },
    getJob(jobId) {
      return read(() => {
        const row = getRow(ctx, jobId);
        return row && toStoredJob(row);
      });
    },
    depth: () =>
      read(
        () =>
          (
            ctx
              .stmt("SELECT coalesce(sum(n), 0) AS n FROM job_counts WHERE state IN ('PENDING', 'RETRY_WAIT')")
              .get() as { n: number }
          ).n,
      ),
    counts: () => read(() => countsOp(ctx)),
    nextDueAt: () =>
      read(
        () =>
          (
            ctx.stmt("SELECT min(available_at) AS t FROM jobs WHERE state IN ('PENDING', 'RETRY_WAIT')").get() as {
              t: number | null;
            }
          ).t ?? undefined,
      ),
    park: (jobId, result, parked) => write(() => parkOp(ctx, jobId, result, parked, clock.now())),
    listParked: () => read(() => listParkedOp(ctx)),
    async decideGate(jobId, decision) {
      const out = await write(() => decideGateOp(ctx, jobId, decision, clock.now()));
      if (out.state === "PENDING") signal();
      return out;
    },
    async expireGates(at) {
      const t = now(at);
      const due = read(() => nextGateDeadlineOp(ctx));
      if (due === undefined || due > t) return [];
      const out = await write(() => expireGatesOp(ctx, t));
      if (out.some((o) => o.state === "PENDING")) signal();
      return out;
    },
    getHandlerState: (key) => read(() => getHandlerState(ctx, key)),
    setHandlerState: (key, value) => write(() => setHandlerStateOp(ctx, key, value, clock.now())),
    exportState: () => read(() => exportStateOf(ctx)),
    prune: (at) =>
      write(() => {
        pruneGuardrailsOp(ctx, now(at));
        return pruneOp(ctx, now(at));
      }),
    onWork(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    commitStats: () => ({ ...writer.stats(), ...(walSync ? { checkpoints: checkpointer.stats().checkpoints } : {}) }),

    close() {
      closing ??= (async () => {
        try {
          await writer.close();
        } finally {
          closed = true;
          listeners.clear();
          await checkpointer.close();
          // The last connection checkpoints on close and deletes the WAL: with FULL it syncs first.
          db.pragma("synchronous = FULL");
          db.close();
          walSync?.close();
        }
      })();
      return closing;
    },
  };
}

function openWalSync(db: Database.Database, file: string): WalSync | undefined {
  let walSync: WalSync;
  try {
    walSync = new WalSync(`${file}-wal`);
  } catch {
    return undefined;
  }
  db.pragma("wal_autocheckpoint = 0");
  db.pragma(`journal_size_limit = ${CHECKPOINT_WAL_BYTES}`);
  db.pragma("synchronous = OFF");
  return walSync;
}
