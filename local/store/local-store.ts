/**
 * The embedded durable store of the daemon: one SQLite file `<stateDir>/evd.db` holding the event
 * log, the job queue with its dedupe records and leases, dead letters, history, last-run times and
 * handler state. It is the JobQueue, and hands out the other shared ports as views (`jobs`,
 * `history`, `lastRun`: JobStore and LastRunStore both name a method `get`, so one object cannot
 * be both), plus what the worker and the operator need. Design: ARCHITECTURE.md beside this file.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
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
  nextDueAtOf,
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
import { Durability, GroupCommitter, type GroupCommitStats } from "./group-commit.ts";
import { appendHistoryRow, submitOp } from "./intake.ts";
import type { IntegrityReport } from "./integrity.ts";
import { openStoreDatabase, openWalSync } from "./open-database.ts";
import { waitingOutTransientFailures } from "./outcome-writes.ts";
import { applyCountersOp, appendSpansOp, pruneGuardrailsOp, readCounters, spansOfEvent } from "./guardrail-records.ts";
import type { StoreJobState } from "./job-state.ts";
import { claimOp, completeOp, failOp, toRecord } from "./job-store-ops.ts";
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
import { StoreHealthMonitor, type StoreHealth } from "./store-health.ts";
import { WalCheckpointPolicy, type WalCheckpointLimits } from "./wal-checkpoint-policy.ts";

export const STORE_FILE_NAME = "evd.db";

export interface LocalStoreOptions {
  /** The state directory (the folder of the config's `state_file`); created if missing. */
  readonly dir: string;
  readonly config: OrchestratorConfig;
  /** @default systemClock */
  readonly clock?: Clock;
  /** How long a writer waits for another connection's lock (a CLI reading while the daemon writes). @default 5000 */
  readonly busyTimeoutMs?: number;
  /**
   * Runs `PRAGMA quick_check` before anything else touches the file; a damaged store is refused
   * with StoreCorruptError saying how to recover. The daemon sets it. @default false
   */
  readonly checkIntegrity?: boolean;
  /** When the WAL is checkpointed (wal-checkpoint-policy.ts). */
  readonly walLimits?: WalCheckpointLimits;
  /** Applied to every run result and error text before it is stored (secret scrubbing). @default none */
  readonly scrub?: (text: string) => string;
  /** TEST ONLY: runs before each commit; what it throws fails the commit (an injected ENOSPC). */
  readonly testWriteFault?: () => void;
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
  commitStats(): GroupCommitStats & { checkpoints?: number; truncations?: number };
  /** What the last reads and commits met: ok, disk full (passing), damaged or failed disk (lasting). */
  health(): StoreHealth;
  /** The integrity check of this open store (quick_check), e.g. the one the daemon ran at start. */
  readonly integrity?: IntegrityReport;
  /** Bytes in the write-ahead log now. */
  walBytes(): number;
  /** Commits the writes in flight, then closes the file. */
  close(): Promise<void>;
}

export function openLocalStore(opts: LocalStoreOptions): LocalStore {
  const clock = opts.clock ?? systemClock;
  const file = join(opts.dir, STORE_FILE_NAME);
  const { db, integrity } = openStoreDatabase(opts.dir, file, opts);
  // The group committer settles a batch only after an fdatasync of the WAL started after its
  // COMMIT; checkpoints run on a FULL connection in a worker (checkpointer.ts).
  const walSync = openWalSync(db, file);
  const checkpointer = new Checkpointer(file);
  const ctx = createContext(db, opts.config, randomUUID(), file, opts.scrub);
  const healthMonitor = new StoreHealthMonitor(file, () => clock.now());
  // Checkpoints keep the WAL bounded under any load (wal-checkpoint-policy.ts).
  // (the policy holds commits back through `writer`, created just below)
  const policy = walSync
    ? new WalCheckpointPolicy(
        () => walSync.size(),
        checkpointer,
        (fn) => writer.pauseWhile(fn),
        opts.walLimits,
      )
    : undefined;
  const writer: GroupCommitter = new GroupCommitter(db, file, {
    ...(walSync
      ? { sync: () => walSync.sync(), afterSync: () => policy!.afterSync(), afterCommit: () => policy!.afterSync() }
      : {}),
    onDurable: () => healthMonitor.committed(),
    onFailure: (error) => healthMonitor.failed(error),
    ...(opts.testWriteFault ? { beforeCommit: opts.testWriteFault } : {}),
  });
  const listeners = new Set<() => void>();
  let closed = false;
  let closing: Promise<void> | undefined;
  const now = (at?: number): number => at ?? clock.now();
  const signal = (): void => {
    for (const l of listeners) l();
  };
  const write = <T>(op: () => T): Promise<T> => writer.run(op);
  // The worker's per-job bookkeeping settles once committed (group-commit.ts, Durability): lost
  // only to a power loss, after which the job runs again like any interrupted run. A run's outcome
  // also waits out a full disk (outcome-writes.ts).
  const record = <T>(what: string, op: () => T, durability: Durability = Durability.COMMITTED): Promise<T> =>
    waitingOutTransientFailures(() => writer.run(op, { durability }), {
      closed: () => closed,
      what: `${file}: ${what}`,
    });
  const bookkeeping = <T>(op: () => T): Promise<T> => writer.run(op, { durability: Durability.COMMITTED });
  const read = <T>(fn: () => T): T => {
    if (closed) throw new StoreError(`${file}: the store is closed`);
    try {
      return fn();
    } catch (error) {
      healthMonitor.failed(error);
      throw error;
    }
  };

  const jobs: JobStore = {
    claim: (jobId, leaseMs, at): Promise<ClaimOutcome> => bookkeeping(() => claimOp(ctx, jobId, leaseMs, at)),
    complete: (jobId, result, at) => record(`complete ${jobId}`, () => completeOp(ctx, jobId, result, at)),
    fail: (jobId, result, at) => record(`fail ${jobId}`, () => failOp(ctx, jobId, result, at)),
    async get(jobId): Promise<JobRecord | undefined> {
      return read(() => {
        const row = getRow(ctx, jobId);
        return row && toRecord(row);
      });
    },
  };
  const history: HistoryStore = {
    append: (result) =>
      record(`history of ${result.job_id ?? result.event_id}`, () => appendHistoryRow(ctx, result, clock.now())),
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
    submit(event, jobs, options) {
      // The worker is woken when the jobs are committed, not once they are flushed: the handler
      // starts without waiting for the disk (its own bookkeeping commits after, so it is never on
      // disk without the event), while the caller (the 202) still waits for the flush.
      return writer.run(() => submitOp(ctx, event, jobs, clock.now(), options), {
        onCommitted: (out) => {
          if (out.kind !== "accepted" || out.jobIds.length === 0) return;
          options?.onAccepted?.();
          signal();
        },
      });
    },
    async takeNext(at) {
      return (await bookkeeping(() => takeBatchOp(ctx, 1, now(at))))[0];
    },
    takeBatch: (limit, at) => bookkeeping(() => takeBatchOp(ctx, limit, now(at))),
    ack: (jobId, result) => record(`ack ${jobId}`, () => ackOp(ctx, jobId, result, clock.now())),
    retryLater: (jobId, result, availableAt) =>
      record(`retry ${jobId}`, () => retryLaterOp(ctx, jobId, result, availableAt, clock.now())),
    deadLetter: (jobId, result) => record(`dead letter ${jobId}`, () => deadLetterOp(ctx, jobId, result, clock.now())),
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
    nextDueAt: () => read(() => nextDueAtOf(ctx)),
    park: (jobId, result, parked) =>
      record(`park ${jobId}`, () => parkOp(ctx, jobId, result, parked, clock.now()), Durability.DURABLE),
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
    commitStats: () => {
      const cp = checkpointer.stats();
      return { ...writer.stats(), ...(walSync ? { checkpoints: cp.checkpoints, truncations: cp.truncations } : {}) };
    },
    health: () => (closed ? { state: "ok" } : healthMonitor.current()),
    ...(integrity ? { integrity } : {}),
    walBytes: () => walSync?.size() ?? 0,

    close() {
      closing ??= (async () => {
        try {
          policy?.close();
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
