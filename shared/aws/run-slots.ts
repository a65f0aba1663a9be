/**
 * `max_concurrent_handlers` in the cloud: the number of pipelines running at once, as in the daemon.
 *
 * The runner processes a batch's records one after another, so pipelines at once = runner
 * invocations at once, which the SQS event source caps with `maxConcurrency` (infra sets it to
 * `max_concurrent_handlers`). AWS's floor for `maxConcurrency` is 2: with
 * `max_concurrent_handlers: 1`, the runner also holds a single run slot (a lease item in the
 * table, like a concurrency key shared by every job) and a job that finds it taken is offered
 * again after a delay, which does not count as a receive toward the DLQ.
 */
import type { ConcurrencyLease, LeaseOutcome } from "./concurrency-lease.ts";

/** AWS's floor and ceiling for an SQS event source's `maxConcurrency`. */
export const MIN_EVENT_SOURCE_CONCURRENCY = 2;
export const MAX_EVENT_SOURCE_CONCURRENCY = 1000;

/** The event source's `maxConcurrency` for a config's `max_concurrent_handlers`. */
export function eventSourceConcurrency(maxConcurrentHandlers: number): number {
  return Math.min(MAX_EVENT_SOURCE_CONCURRENCY, Math.max(MIN_EVENT_SOURCE_CONCURRENCY, maxConcurrentHandlers));
}

/** True when the event source alone would run more pipelines at once than the config allows. */
export function needsRunSlot(maxConcurrentHandlers: number): boolean {
  return eventSourceConcurrency(maxConcurrentHandlers) > maxConcurrentHandlers;
}

/** The lease item of the single run slot (parentheses: no handler name can contain them). */
const SLOT = { handler: "(all)", key: "run-slot" } as const;

export class RunSlot {
  readonly #leases: ConcurrencyLease;

  constructor(leases: ConcurrencyLease) {
    this.#leases = leases;
  }

  acquire(jobId: string, leaseMs: number, now: number): Promise<LeaseOutcome> {
    return this.#leases.acquire(SLOT.handler, SLOT.key, jobId, leaseMs, now);
  }

  release(jobId: string): Promise<void> {
    return this.#leases.release(SLOT.handler, SLOT.key, jobId);
  }
}
