/** In-memory JobStore: claim/lease/complete/fail per job id, as the port's contract says. */
import type { EventResult } from "../events/event.ts";
import { JobState, type ClaimOutcome, type JobRecord, type JobStore } from "../ports/job-store.ts";

export class MemoryJobStore implements JobStore {
  readonly #records = new Map<string, JobRecord>();

  async claim(jobId: string, leaseMs: number, now: number): Promise<ClaimOutcome> {
    const current = this.#records.get(jobId);
    if (current?.state === JobState.COMPLETED) return { kind: "duplicate", record: current };
    if (current?.state === JobState.IN_PROGRESS && current.leaseExpiresAt > now)
      return { kind: "busy", record: current };
    const record: JobRecord = {
      jobId,
      state: JobState.IN_PROGRESS,
      leaseExpiresAt: now + leaseMs,
      attempts: (current?.attempts ?? 0) + 1,
      updatedAt: now,
      ...(current?.result ? { result: current.result } : {}),
    };
    this.#records.set(jobId, record);
    return { kind: "claimed", record };
  }

  async complete(jobId: string, result: EventResult, now: number): Promise<void> {
    this.#settle(jobId, JobState.COMPLETED, result, now);
  }

  async fail(jobId: string, result: EventResult, now: number): Promise<void> {
    this.#settle(jobId, JobState.FAILED, result, now);
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    return this.#records.get(jobId);
  }

  #settle(jobId: string, state: JobState, result: EventResult, now: number): void {
    const current = this.#records.get(jobId);
    this.#records.set(jobId, {
      jobId,
      state,
      leaseExpiresAt: now,
      attempts: current?.attempts ?? 1,
      result,
      updatedAt: now,
    });
  }
}
