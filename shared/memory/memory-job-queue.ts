/**
 * In-memory JobQueue: dedupe by event id, bounded by a capacity with the spec's overflow policies.
 * For `evd event` (one-shot) and tests; nothing survives the process.
 */
import type { Event, Job } from "../events/event.ts";
import type { JobQueue, SubmitOptions, SubmitOutcome } from "../ports/job-queue.ts";

export interface MemoryJobQueueOptions {
  /** Pending jobs the queue holds before the overflow policy applies. @default 1000 */
  readonly capacity?: number;
  /** `queue` and `error`: refuse (back-pressure); `drop`: record as dropped. @default "queue" */
  readonly overflow?: "queue" | "drop" | "error";
}

export class MemoryJobQueue implements JobQueue {
  readonly #capacity: number;
  readonly #overflow: "queue" | "drop" | "error";
  readonly #seen = new Map<string, readonly string[]>();
  readonly #pending: Job[] = [];
  readonly #events: Event[] = [];
  readonly #dropped: Job[] = [];

  constructor(options: MemoryJobQueueOptions = {}) {
    this.#capacity = options.capacity ?? 1000;
    this.#overflow = options.overflow ?? "queue";
  }

  async submit(event: Event, jobs: readonly Job[], options: SubmitOptions = {}): Promise<SubmitOutcome> {
    const seen = this.#seen.get(event.id);
    if (seen) return { kind: "duplicate", jobIds: seen };
    const jobIds = jobs.map((j) => j.id);
    if (options.dropReason !== undefined) return this.#drop(event, jobs, options.dropReason);
    if (this.#pending.length + jobs.length > this.#capacity) {
      const reason = `queue full (${this.#pending.length}/${this.#capacity} pending)`;
      if (this.#overflow !== "drop") return { kind: "rejected", reason };
      return this.#drop(event, jobs, reason);
    }
    this.#seen.set(event.id, jobIds);
    this.#events.push(event);
    this.#pending.push(...jobs);
    return { kind: "accepted", jobIds };
  }

  #drop(event: Event, jobs: readonly Job[], reason: string): SubmitOutcome {
    const jobIds = jobs.map((j) => j.id);
    this.#seen.set(event.id, jobIds);
    this.#events.push(event);
    this.#dropped.push(...jobs);
    return { kind: "dropped", jobIds, reason };
  }

  /** The next pending job (FIFO), removed from the queue. */
  take(): Job | undefined {
    return this.#pending.shift();
  }

  /** Pending jobs, oldest first (a copy). */
  pending(): Job[] {
    return [...this.#pending];
  }

  /** Every accepted or dropped event, in arrival order (a copy). */
  events(): Event[] {
    return [...this.#events];
  }

  /** Jobs dropped by the `drop` overflow policy (a copy). */
  dropped(): Job[] {
    return [...this.#dropped];
  }
}
