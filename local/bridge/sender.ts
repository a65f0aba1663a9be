/**
 * Sends the spool to the queue, oldest change set first, one job at a time: a job is marked sent
 * only after the queue acknowledged it, a change set is removed only after all its jobs are marked.
 * When the queue is unreachable or throttling, the sender stops at that change set (order is kept)
 * and tries again after an exponential backoff (capped), reporting a status line each time.
 * A new change set wakes it early. The send function, the clock and the sleep are injected.
 */
import { classifySqsError } from "../../shared/aws/sqs-errors.ts";
import type { Job } from "../../shared/events/event.ts";
import { backoffCeilingMs } from "../../shared/retry/retry-policy.ts";
import { BridgeError } from "./errors.ts";
import type { Spool, SpoolRecord } from "./spool.ts";

/** Delivers one job to the queue; throws when it did not. */
export type SendJob = (job: Job) => Promise<void>;

export const FailureKind = {
  /** Unreachable, throttled, server error, bad credentials...: keep it spooled and retry. */
  RETRY: "retry",
  /** The queue refuses this message itself (e.g. invalid content): move it to rejected/. */
  REJECT: "reject",
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

export interface SendFailure {
  readonly kind: FailureKind;
  /** Short, e.g. "queue unreachable (ECONNREFUSED)", "queue throttling (RequestThrottled)". */
  readonly reason: string;
}

export interface SentReport {
  readonly record: SpoolRecord;
  /** The jobs sent now (jobs found already sent after a crash are not repeated). */
  readonly jobIds: readonly string[];
  readonly sentAt: number;
  /** From the change (record.changed_at) to the queue's acknowledgement. */
  readonly latencyMs: number;
}

export interface SpoolingStatus {
  readonly pending: number;
  readonly reason: string;
  readonly retryInMs: number;
  /** Consecutive failed attempts. */
  readonly failures: number;
}

export interface BackoffOptions {
  /** @default 500 */
  readonly initialMs?: number;
  /** @default 30000 */
  readonly maxMs?: number;
}

export interface SenderOptions {
  readonly spool: Spool;
  readonly send: SendJob;
  readonly classify: (err: unknown) => SendFailure;
  /** @default Date.now */
  readonly now?: () => number;
  /** Resolves after `ms` or as soon as `signal` aborts. @default timer-based */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly backoff?: BackoffOptions;
  readonly onSent?: (report: SentReport) => void;
  readonly onSpooling?: (status: SpoolingStatus) => void;
  readonly onRejected?: (record: SpoolRecord, reason: string) => void;
}

export interface Sender {
  /** Starts the background loop (sends what is spooled at once). */
  start(): void;
  /** A change set was spooled: try now, even during a backoff. */
  wake(): void;
  /** Stops the loop; resolves after the send in flight, if any, settled. */
  stop(): Promise<void>;
  /** One pass without waiting (the loop must be stopped): true when the spool is empty after it. */
  drainOnce(): Promise<boolean>;
}

/** The shared backoff's ceiling: one sender keeping order has nothing to spread out with jitter. */
export function backoffDelay(failures: number, opts: BackoffOptions = {}): number {
  return backoffCeilingMs(
    { backoff: "exponential", initial_delay_ms: opts.initialMs ?? 500, max_delay_ms: opts.maxMs ?? 30_000 },
    failures,
  );
}

/** An SQS failure (shared/aws/sqs-errors.ts) read as the sender's: keep it spooled, or set it aside. */
export function classifySendError(err: unknown): SendFailure {
  const f = classifySqsError(err);
  return { kind: f.retryable ? FailureKind.RETRY : FailureKind.REJECT, reason: f.reason };
}

export function timerSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener("abort", done, { once: true });
  });
}

export function createSender(options: SenderOptions): Sender {
  const { spool, send, classify } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? timerSleep;
  let failures = 0;
  let stopped = false;
  let running: Promise<void> | undefined;
  let nap = new AbortController();
  let woken = false;

  /** Sends pending change sets in order; stops at the first retryable failure and returns it. */
  async function pass(): Promise<SendFailure | undefined> {
    for (const record of spool.pending()) {
      const sentNow: string[] = [];
      let rejected = false;
      for (const job of record.jobs) {
        if (spool.isSent(job.id)) continue;
        try {
          await send(job);
        } catch (err) {
          const failure = classify(err);
          if (failure.kind === FailureKind.RETRY) return failure;
          spool.reject(record.seq, failure.reason);
          options.onRejected?.(record, failure.reason);
          rejected = true;
          break;
        }
        spool.markSent(record.seq, job.id);
        sentNow.push(job.id);
      }
      if (rejected) continue;
      spool.remove(record.seq);
      failures = 0;
      const sentAt = now();
      options.onSent?.({
        record,
        jobIds: sentNow,
        sentAt,
        latencyMs: Math.max(0, sentAt - Date.parse(record.changed_at)),
      });
    }
    return undefined;
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      woken = false;
      let failure: SendFailure | undefined;
      try {
        failure = await pass();
      } catch (err) {
        // The spool itself failed (disk full, permissions): nothing was dropped; try again later.
        failure = {
          kind: FailureKind.RETRY,
          reason: `spool error (${err instanceof Error ? err.message : String(err)})`,
        };
      }
      if (stopped) return;
      if (failure === undefined) {
        if (!woken) await sleep(3_600_000, nap.signal);
      } else {
        failures++;
        const retryInMs = backoffDelay(failures, options.backoff);
        options.onSpooling?.({ pending: spool.count(), reason: failure.reason, retryInMs, failures });
        if (!woken) await sleep(retryInMs, nap.signal);
      }
      nap = new AbortController();
    }
  }

  return {
    start() {
      if (running) return;
      stopped = false;
      running = loop();
    },
    wake() {
      woken = true;
      nap.abort();
    },
    async stop() {
      stopped = true;
      nap.abort();
      await running;
      running = undefined;
    },
    async drainOnce() {
      if (running) throw new BridgeError("drainOnce: stop the sender loop first");
      const failure = await pass();
      if (failure)
        options.onSpooling?.({ pending: spool.count(), reason: failure.reason, retryInMs: 0, failures: failures + 1 });
      return spool.count() === 0;
    },
  };
}
