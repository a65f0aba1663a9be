import type { EventResult } from "../events/event.ts";

export const JobState = {
  IN_PROGRESS: "IN_PROGRESS",
  COMPLETED: "COMPLETED",
  FAILED: "FAILED",
} as const;
export type JobState = (typeof JobState)[keyof typeof JobState];

export interface JobRecord {
  readonly jobId: string;
  readonly state: JobState;
  /** Epoch ms after which an IN_PROGRESS claim may be taken over. */
  readonly leaseExpiresAt: number;
  readonly attempts: number;
  readonly result?: EventResult;
  readonly updatedAt: number;
}

export type ClaimOutcome =
  | { readonly kind: "claimed"; readonly record: JobRecord }
  /** COMPLETED before: skip, do not run again. */
  | { readonly kind: "duplicate"; readonly record: JobRecord }
  /** Another runner holds an unexpired lease. */
  | { readonly kind: "busy"; readonly record: JobRecord };

/** Dedupe and leases per job id: exactly-once completion on top of at-least-once delivery. */
export interface JobStore {
  /** Absent, FAILED or lease expired -> IN_PROGRESS with a lease until now + leaseMs. */
  claim(jobId: string, leaseMs: number, now: number): Promise<ClaimOutcome>;
  /** IN_PROGRESS -> COMPLETED with its result. */
  complete(jobId: string, result: EventResult, now: number): Promise<void>;
  /** IN_PROGRESS -> FAILED (claimable again by a retry). */
  fail(jobId: string, result: EventResult, now: number): Promise<void>;
  get(jobId: string): Promise<JobRecord | undefined>;
}
