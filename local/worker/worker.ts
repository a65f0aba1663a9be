/**
 * The daemon's worker pool (pg-boss style: a small loop over injected functions, an `as const`
 * state machine, an abortable sleep, a graceful stop with a timeout). It takes runnable jobs from
 * the embedded store up to `max_concurrent_handlers`, runs each through the shared `runJob`, and
 * settles the outcome through the shared `settle` with the store as the settler (ack, retry at,
 * dead letter, leave). It wakes at once when the store
 * commits new work, sleeps until the next retry is due, and polls rarely as a safety net.
 */
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import type { EventResult, Job } from "../../shared/events/event.ts";
import { LifecycleEvent, type HookBus } from "../../shared/hooks/lifecycle.ts";
import { silentLogger, type Logger } from "../../shared/logging/logger.ts";
import type { PipelineRunner } from "../../shared/pipeline/pipeline-runner.ts";
import { systemClock, type Clock } from "../../shared/ports/clock.ts";
import { RetryableError } from "../../shared/retry/retry-intent.ts";
import { retryPolicyFor } from "../../shared/retry/retry-policy.ts";
import { leaseFor } from "../../shared/runner/lease.ts";
import { runJob, type RunJobDeps, type RunJobOutcome } from "../../shared/runner/run-job.ts";
import { attemptOf, settle, SettlementKind } from "../../shared/runner/settle.ts";
import type { Recovered } from "../store/dispatch.ts";
import type { LocalStore } from "../store/local-store.ts";
import { storeSettler } from "../store/store-settler.ts";
import { createAlarm } from "./sleep.ts";

export const WorkerState = {
  IDLE: "idle",
  RUNNING: "running",
  STOPPING: "stopping",
  STOPPED: "stopped",
} as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

export interface WorkerOptions {
  readonly store: LocalStore;
  readonly config: OrchestratorConfig;
  readonly pipeline: PipelineRunner;
  readonly hooks: HookBus;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** Safety-net poll when nothing wakes the worker. @default 5000 */
  readonly pollIntervalMs?: number;
  /** Event-log retention pass. @default 3_600_000 */
  readonly pruneIntervalMs?: number;
  /** Uniform [0, 1) source for backoff jitter. @default Math.random */
  readonly random?: () => number;
  /** Runs one job. @default the shared runJob over the store's ports (jobs, history, lastRun) */
  readonly run?: (job: Job) => Promise<RunJobOutcome>;
  /** Budgets, tracing and more step observers for the default `run` (local/daemon/daemon-guardrails.ts). */
  readonly guardrails?: Pick<RunJobDeps, "budget" | "tracer" | "observeSteps">;
}

export interface StopReport {
  /** Running jobs that finished within the timeout. */
  readonly finished: number;
  /** Jobs still running at the timeout, put back PENDING (they run again on the next start). */
  readonly released: readonly string[];
}

export interface Worker {
  readonly state: WorkerState;
  /** Recovers runs a crash interrupted, then starts the loop. */
  start(): Promise<Recovered>;
  /** Stops taking jobs, lets running ones finish for `timeoutMs`, puts back the rest. @default timeoutMs 30000 */
  stop(opts?: { timeoutMs?: number }): Promise<StopReport>;
  /** New work may be runnable: take it now instead of at the next poll. */
  notify(): void;
  /** Jobs running now. */
  running(): readonly string[];
}

export function createWorker(opts: WorkerOptions): Worker {
  const { store, config, hooks } = opts;
  const clock = opts.clock ?? systemClock;
  const logger = (opts.logger ?? silentLogger).child({ component: "worker" });
  const pollMs = opts.pollIntervalMs ?? 5000;
  const pruneMs = opts.pruneIntervalMs ?? 3_600_000;
  const random = opts.random ?? Math.random;
  const max = config.max_concurrent_handlers;
  const run =
    opts.run ??
    ((job: Job) =>
      runJob(job, config, {
        jobs: store.jobs,
        history: store.history,
        lastRun: store.lastRun,
        pipeline: opts.pipeline,
        hooks,
        clock,
        logger,
        leaseMs: leaseFor(config, [job.handler]),
        ...opts.guardrails,
      }));
  const alarm = createAlarm();
  const active = new Map<string, Promise<void>>();
  const released = new Set<string>();
  /** Jobs whose run is over and whose outcome is being recorded (a commit): a stop waits for them. */
  const settling = new Set<string>();
  let state: WorkerState = WorkerState.IDLE;
  let loopDone: Promise<void> = Promise.resolve();
  let unsubscribe: () => void = () => {};
  let lastPrune = 0;
  /** When the last tick asked the store for runnable jobs. */
  let lastTakeAt = Number.NEGATIVE_INFINITY;

  const settler = storeSettler(store);

  async function settleOutcome(job: Job, outcome: RunJobOutcome): Promise<void> {
    const log = logger.child({ job_id: job.id, handler: job.handler });
    const policy = retryPolicyFor(config, job.handler);
    // A run that threw never claimed: the store's count is the truth then.
    const attempt = Math.max(store.getJob(job.id)?.attempts ?? 0, attemptOf(job, outcome));
    const decision = await settle(job, outcome, settler, policy, { now: clock.now(), random, attempt });
    switch (decision.kind) {
      case SettlementKind.RETRY_AT:
        log.log("info", "job will be retried", {
          attempt,
          max_attempts: policy.max_attempts,
          delay_ms: decision.delayMs,
        });
        break;
      case SettlementKind.DEAD_LETTER:
        log.log("warn", "job dead-lettered", { attempt, reason: decision.reason });
        break;
      case SettlementKind.LEAVE:
        log.log("warn", "job leased by another runner: left to it");
        break;
      case SettlementKind.PARK:
        log.log("info", "job waits at an approval gate (evd approvals)", { stage: decision.gate });
        break;
      case SettlementKind.ACK:
        if (outcome.kind === "duplicate") log.log("info", "job already completed: nothing ran");
        break;
    }
  }

  async function execute(job: Job): Promise<void> {
    let outcome: RunJobOutcome;
    try {
      outcome = await run(job);
    } catch (err) {
      const at = new Date(clock.now()).toISOString();
      const result: EventResult = {
        event_id: job.event.id,
        job_id: job.id,
        handler: job.handler,
        success: false,
        actions_taken: [],
        output: null,
        status: "failed",
        error: `runner error: ${err instanceof Error ? err.message : String(err)}`,
        attempt: job.attempt,
        started_at: at,
        finished_at: at,
        duration_ms: 0,
      };
      outcome = { kind: "failed", result, error: new RetryableError(result.error!) };
      await store.history.append(result).catch(() => undefined); // best effort: the store may be what failed
    }
    if (released.has(job.id)) return; // a stop gave it back; the next start runs it again
    settling.add(job.id);
    try {
      await settleOutcome(job, outcome);
    } catch (err) {
      // The row stays RUNNING / FAILED: recoverInterrupted settles it on the next start.
      logger.log("error", "could not record a job's outcome", {
        job_id: job.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  function launch(job: Job): void {
    const done = execute(job).finally(() => {
      settling.delete(job.id);
      active.delete(job.id);
      alarm.wake();
    });
    active.set(job.id, done);
  }

  async function announceDrops(): Promise<void> {
    for (const d of await store.takeUnannouncedDrops()) {
      await hooks.emit(LifecycleEvent.DROPPED, {
        event: d.event,
        handler: d.handler,
        job_id: d.jobId,
        reason: d.reason,
        ...(d.supersededBy !== undefined ? { superseded_by: d.supersededBy } : {}),
        ...(d.result !== undefined ? { result: d.result } : {}),
      });
    }
  }

  async function tick(): Promise<void> {
    await announceDrops();
    for (const g of await store.expireGates())
      logger.log("info", "approval gate timed out: its default decided", { job_id: g.jobId, state: g.state });
    if (clock.now() - lastPrune >= pruneMs) {
      lastPrune = clock.now();
      const pruned = await store.prune();
      if (pruned.events > 0) logger.log("info", "event log pruned", pruned);
    }
    const free = max - active.size;
    if (free > 0) {
      lastTakeAt = clock.now();
      for (const job of await store.takeBatch(free)) launch(job);
    }
  }

  function nextWakeIn(): number {
    if (active.size >= max) return pollMs;
    const due = store.nextDueAt();
    if (due === undefined) return pollMs;
    const wait = due - clock.now();
    if (wait > 0) return Math.min(pollMs, wait);
    // Due now but not taken. If it fell due after the last take (a retry's short backoff ending
    // while the take was committing), look again at once; otherwise it is blocked behind a running
    // job of its concurrency key, and that job's finish wakes us.
    return due > lastTakeAt ? 0 : pollMs;
  }

  async function loop(): Promise<void> {
    while (state === WorkerState.RUNNING) {
      try {
        await tick();
      } catch (err) {
        logger.log("error", "worker tick failed", { error: err instanceof Error ? err.message : String(err) });
      }
      if (state !== WorkerState.RUNNING) break;
      await alarm.sleep(nextWakeIn());
    }
  }

  return {
    get state() {
      return state;
    },
    async start() {
      if (state !== WorkerState.IDLE) throw new Error(`worker: start() in state ${state}`);
      const recovered = await store.recoverInterrupted();
      if (recovered.requeued.length + recovered.dead.length > 0)
        logger.log("warn", "recovered runs a stop interrupted", { ...recovered });
      state = WorkerState.RUNNING;
      unsubscribe = store.onWork(() => alarm.wake());
      loopDone = loop();
      return recovered;
    },
    async stop(stopOpts = {}) {
      if (state === WorkerState.IDLE || state === WorkerState.STOPPED) {
        state = WorkerState.STOPPED;
        return { finished: 0, released: [] };
      }
      state = WorkerState.STOPPING;
      unsubscribe();
      alarm.wake();
      await loopDone;
      const running = [...active.keys()];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, stopOpts.timeoutMs ?? 30_000);
      });
      await Promise.race([Promise.allSettled([...active.values()]), timeout]);
      clearTimeout(timer);
      // A job whose run is over is only recording its outcome: let it finish rather than put it back.
      await Promise.allSettled([...settling].map((id) => active.get(id)));
      const left = [...active.keys()].filter((id) => !settling.has(id));
      for (const id of left) {
        released.add(id);
        await store.release(id);
      }
      state = WorkerState.STOPPED;
      if (left.length > 0) logger.log("warn", "running jobs put back to the queue at stop", { jobs: left });
      return { finished: running.length - left.length, released: left };
    },
    notify() {
      alarm.wake();
    },
    running() {
      return [...active.keys()];
    },
  };
}
