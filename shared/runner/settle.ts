/**
 * THE settlement of a run, for every runner (the daemon's worker over the embedded store, the
 * runner Lambda over SQS): `decide` turns a run's outcome into what the queue must do with the
 * job, and `settle` hands that to the runner's `JobSettler`.
 *
 *   completed | skipped | duplicate          -> ack          (never runs again)
 *   budget_exceeded                          -> ack          (recorded; a replay runs it)
 *   parked (an approval gate)                -> park         (waits, durably, for approve / deny)
 *   busy (another runner holds the lease)    -> leave        (the holder settles it)
 *   failed, PermanentError                   -> deadLetter
 *   failed, attempt >= max_attempts          -> deadLetter
 *   failed, the retry would start after the  -> deadLetter   (a retry the queue would not keep is a loss)
 *     deadline
 *   failed, otherwise                        -> retryAt now + backoff (at least the error's retryAfterMs)
 */
import type { EventResult, Job } from "../events/event.ts";
import type { ParkedRun } from "../events/parked-run.ts";
import { PermanentError } from "../retry/retry-intent.ts";
import { backoffDelayMs, isLastAttempt, type RetryPolicy } from "../retry/retry-policy.ts";
import type { RunJobOutcome } from "./run-job.ts";

export const SettlementKind = {
  ACK: "ack",
  RETRY_AT: "retryAt",
  DEAD_LETTER: "deadLetter",
  LEAVE: "leave",
  PARK: "park",
} as const;
export type SettlementKind = (typeof SettlementKind)[keyof typeof SettlementKind];

export type Settlement =
  | { readonly kind: typeof SettlementKind.ACK }
  | { readonly kind: typeof SettlementKind.RETRY_AT; readonly at: number; readonly delayMs: number }
  | { readonly kind: typeof SettlementKind.DEAD_LETTER; readonly reason: string }
  | { readonly kind: typeof SettlementKind.LEAVE; readonly reason: string; readonly until?: number }
  | { readonly kind: typeof SettlementKind.PARK; readonly gate: string };

export interface DecideOptions {
  /** Epoch ms now. */
  readonly now: number;
  /** Uniform [0, 1) source for the backoff's jitter. @default Math.random */
  readonly random?: () => number;
  /** Epoch ms: the latest a retry may start (the queue keeps the job no longer). @default none */
  readonly deadline?: number;
  /** Epoch ms the holder's lease ends, for a busy outcome. */
  readonly leaseExpiresAt?: number;
}

/** What the queue must do with a job after a run ended with `outcome` on attempt number `attempt`. */
export function decide(outcome: RunJobOutcome, attempt: number, policy: RetryPolicy, opts: DecideOptions): Settlement {
  switch (outcome.kind) {
    case "completed":
    case "skipped":
    case "duplicate":
    case "budget_exceeded":
      return { kind: SettlementKind.ACK };
    case "parked":
      return { kind: SettlementKind.PARK, gate: outcome.parked.gate.stage };
    case "busy":
      return {
        kind: SettlementKind.LEAVE,
        reason: "another runner holds the job's lease",
        ...(opts.leaseExpiresAt !== undefined ? { until: opts.leaseExpiresAt } : {}),
      };
    case "failed": {
      const error = outcome.error;
      if (error instanceof PermanentError)
        return { kind: SettlementKind.DEAD_LETTER, reason: `permanent failure: ${error.message}` };
      if (isLastAttempt(policy, attempt)) {
        return {
          kind: SettlementKind.DEAD_LETTER,
          reason: `attempt ${attempt} of ${policy.max_attempts} failed: ${error.message}`,
        };
      }
      const delayMs = Math.max(backoffDelayMs(policy, attempt, opts.random), error.retryAfterMs ?? 0);
      const at = opts.now + delayMs;
      if (opts.deadline !== undefined && at > opts.deadline) {
        const by = new Date(opts.deadline).toISOString();
        return {
          kind: SettlementKind.DEAD_LETTER,
          reason: `a retry would start after ${by}, when the queue no longer keeps the job: ${error.message}`,
        };
      }
      return { kind: SettlementKind.RETRY_AT, at, delayMs };
    }
  }
}

/** Where a settlement is carried out: the embedded store locally, the SQS message in the cloud. */
export interface JobSettler {
  /** Done: never offered again. `result` is absent when nothing ran (duplicate). */
  ack(job: Job, result: EventResult | undefined): Promise<void>;
  /** Offer the job again at `at` (epoch ms). */
  retryAt(job: Job, result: EventResult, at: number): Promise<void>;
  /** To the dead-letter store with the reason; it can be redriven. */
  deadLetter(job: Job, result: EventResult, reason: string): Promise<void>;
  /** Not ours to settle (another runner holds it); `until`: when it may be offered again. */
  leave(job: Job, reason: string, until?: number): Promise<void>;
  /** Stopped at an approval gate: keep it, with `parked`, until approved or denied; hold no slot. */
  park(job: Job, result: EventResult, parked: ParkedRun): Promise<void>;
}

/** The attempt number a settlement counts: the run's own (the store's claim count), else the job's. */
export function attemptOf(job: Job, outcome: RunJobOutcome): number {
  return "result" in outcome ? (outcome.result.attempt ?? job.attempt) : job.attempt;
}

/** Decides and carries out; returns what was decided (for logs and metrics). */
export async function settle(
  job: Job,
  outcome: RunJobOutcome,
  settler: JobSettler,
  policy: RetryPolicy,
  opts: DecideOptions & { readonly attempt?: number },
): Promise<Settlement> {
  const decision = decide(outcome, opts.attempt ?? attemptOf(job, outcome), policy, opts);
  const result = "result" in outcome ? outcome.result : undefined;
  switch (decision.kind) {
    case SettlementKind.ACK:
      await settler.ack(job, result);
      break;
    case SettlementKind.RETRY_AT:
      await settler.retryAt(job, result!, decision.at);
      break;
    case SettlementKind.DEAD_LETTER:
      await settler.deadLetter(job, result!, decision.reason);
      break;
    case SettlementKind.LEAVE:
      await settler.leave(job, decision.reason, decision.until);
      break;
    case SettlementKind.PARK:
      await settler.park(job, result!, (outcome as Extract<RunJobOutcome, { kind: "parked" }>).parked);
      break;
  }
  return decision;
}
