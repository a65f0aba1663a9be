/** The states of a job row in the embedded store, and how they read in the shared JobStore port. */
import { JobState } from "../../shared/ports/job-store.ts";

export const StoreJobState = {
  /** Queued, runnable from `available_at` on. */
  PENDING: "PENDING",
  /** Handed out by the worker (`claimed = 0`) or claimed by a runner (`claimed = 1`), under a lease. */
  RUNNING: "RUNNING",
  /** A failed run waits for its backoff; runnable again from `available_at`. */
  RETRY_WAIT: "RETRY_WAIT",
  /** Finished successfully. Never runs again. */
  COMPLETED: "COMPLETED",
  /** A run failed and the worker has not yet decided between retry and dead letter (a short window). */
  FAILED: "FAILED",
  /** Out of attempts or failed permanently: the dead-letter store. Runs again only after a redrive. */
  DEAD: "DEAD",
  /** Never ran: dropped by `queue_overflow: drop` or superseded by a newer job of the same key. */
  DROPPED: "DROPPED",
  /** A hook denied it; recorded, never retried. */
  SKIPPED: "SKIPPED",
  /** Waiting at an approval gate (a staged recipe): holds no worker slot; approve or deny moves it on. */
  PARKED: "PARKED",
  /** Denied at an approval gate (by a person or the gate's timeout): the run ended there. */
  DENIED: "DENIED",
} as const;
export type StoreJobState = (typeof StoreJobState)[keyof typeof StoreJobState];
export const STORE_JOB_STATES = Object.values(StoreJobState) as readonly StoreJobState[];

/** Waiting to run: what `queue_capacity` bounds. */
export const BACKLOG_STATES = [StoreJobState.PENDING, StoreJobState.RETRY_WAIT] as const;
/** Terminal: the dedupe record says "do not run this id again". */
export const TERMINAL_STATES: readonly StoreJobState[] = [
  StoreJobState.COMPLETED,
  StoreJobState.SKIPPED,
  StoreJobState.DEAD,
  StoreJobState.DROPPED,
  StoreJobState.DENIED,
];

/** The terminal state a finished run's result is kept in: hooks' skips, drops and budget refusals apart. */
export function finishedStateOf(result: { readonly status?: string }): StoreJobState {
  switch (result.status) {
    case "skipped":
      return StoreJobState.SKIPPED;
    case "dropped":
    case "budget_exceeded":
      return StoreJobState.DROPPED;
    default:
      return StoreJobState.COMPLETED;
  }
}

/**
 * The port has three states. IN_PROGRESS = RUNNING; COMPLETED = COMPLETED, SKIPPED and DROPPED
 * (finished, nothing more will run); FAILED = every other state: not running and not completed.
 * A DEAD job reads FAILED but a claim refuses it until `redrive` (see ARCHITECTURE.md).
 */
export function portStateOf(state: StoreJobState): JobState {
  switch (state) {
    case StoreJobState.RUNNING:
      return JobState.IN_PROGRESS;
    case StoreJobState.COMPLETED:
    case StoreJobState.SKIPPED:
    case StoreJobState.DROPPED:
    case StoreJobState.DENIED:
      return JobState.COMPLETED;
    default:
      return JobState.FAILED;
  }
}
