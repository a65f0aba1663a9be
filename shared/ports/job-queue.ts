import type { Event, Job } from "../events/event.ts";

/** What the intake answers: the daemon and the ingest Lambda turn it into 202 / 429 / 503. */
export type SubmitOutcome =
  | { readonly kind: "accepted"; readonly jobIds: readonly string[] }
  /** The event id was seen before: nothing enqueued. */
  | { readonly kind: "duplicate"; readonly jobIds: readonly string[] }
  /** queue_overflow "error" and the queue is full: nothing enqueued. */
  | { readonly kind: "rejected"; readonly reason: string }
  /** queue_overflow "drop" and the queue is full: recorded as dropped, nothing will run. */
  | { readonly kind: "dropped"; readonly jobIds: readonly string[]; readonly reason: string };

export interface SubmitOptions {
  /**
   * Record the event but drop its jobs with this reason (answered "dropped", nothing will run;
   * replayable): a paused source under `queue_overflow: drop` (the storm breaker).
   */
  readonly dropReason?: string;
  /**
   * Told as soon as the jobs can be taken by a worker, which may be before `submit` resolves (the
   * embedded store also waits for them to be on disk): the QUEUED lifecycle event goes out then,
   * so no handler:start comes before it. A queue may not call it at all; then it is told later.
   */
  readonly onAccepted?: () => void;
}

/**
 * The durable intake: records the event (dedupe by event id, event log for replay) and enqueues
 * its jobs. When it resolves "accepted", the jobs survive a crash.
 */
export interface JobQueue {
  submit(event: Event, jobs: readonly Job[], options?: SubmitOptions): Promise<SubmitOutcome>;
}
