/**
 * The dashboard's one port: what the page can read and do, whoever runs the jobs. The daemon
 * implements it over its store, worker and intake (daemon-dashboard-source.ts); the cloud over the
 * deployed stack's DynamoDB table, queues and schedules with the caller's credentials
 * (cloud-dashboard-source.ts). The HTTP layer (dashboard-server.ts) and the page only speak these
 * types, so one page serves both.
 */
import type { Event, EventResult } from "../../shared/events/event.ts";

/** A job's state as the page shows it (the store's and the cloud's states map onto these). */
export const JobStatus = {
  QUEUED: "queued",
  RUNNING: "running",
  RETRYING: "retrying",
  WAITING_APPROVAL: "waiting_approval",
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  DEAD: "dead",
  SKIPPED: "skipped",
  DROPPED: "dropped",
  /** Denied at an approval gate: the run ended there. */
  DENIED: "denied",
  /** Not run: a budget was used up (replayable once it is raised). */
  BUDGET_EXCEEDED: "budget_exceeded",
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];
export const JOB_STATUSES = Object.values(JobStatus) as readonly JobStatus[];

export interface JobSummary {
  readonly id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly event_source: string;
  readonly handler: string;
  readonly status: JobStatus;
  readonly attempts: number;
  /** ISO times. */
  readonly received_at: string;
  readonly enqueued_at?: string;
  readonly started_at?: string;
  readonly finished_at?: string;
  readonly duration_ms?: number;
  readonly error?: string;
  readonly replay_of?: string;
  readonly updated_at: string;
}

export interface JobDetail extends JobSummary {
  /** The event as admitted: type, source, payload, metadata. */
  readonly event?: Event;
  /** Every run of this job, oldest first; the last one holds the step trace shown on the page. */
  readonly runs: readonly EventResult[];
  /** Where this job's trace tree is, when tracing is on. */
  readonly trace_url?: string;
}

/** One span of an event's trace (tracing on), as the trace view draws it. */
export interface TraceSpan {
  readonly trace_id: string;
  readonly span_id: string;
  readonly parent_span_id?: string;
  readonly name: string;
  /** Epoch ms. */
  readonly start_ms: number;
  readonly end_ms: number;
  readonly status: "ok" | "error" | "unset";
  /** What it did in a few words: outcome, model and tokens, the tool's action, the error. */
  readonly summary: string;
}

export interface TraceView {
  readonly event_id: string;
  readonly spans: readonly TraceSpan[];
}

export interface JobQuery {
  readonly handler?: string;
  readonly status?: JobStatus;
  /** Epoch ms: jobs whose event arrived at or after. */
  readonly since?: number;
  /** @default 100 */
  readonly limit?: number;
}

export interface SourceSummary {
  readonly name: string;
  readonly type: string;
  readonly handler: string;
  /** started, stopped, error, ready, paused, ENABLED/DISABLED (cloud schedules) ... */
  readonly state: string;
  readonly paused: boolean;
  /** Who paused it: the dashboard, or the storm breaker (then it can be resumed from here). */
  readonly paused_by?: "dashboard" | "storm breaker";
  /** Whether this source can be paused or resumed from here. */
  readonly pausable: boolean;
  readonly detail?: string;
  readonly error?: string;
  /** ISO time of the latest event from this source, when known. */
  readonly last_fire?: string;
  /** ISO time of the next firing (schedules). */
  readonly next_fire?: string;
  /** Events received from this source within the event log's retention. */
  readonly events?: number;
}

export interface DeadLetterSummary {
  /** What redrive takes: the job id locally, the SQS message id in the cloud. */
  readonly id: string;
  readonly job_id?: string;
  readonly handler?: string;
  readonly event_id?: string;
  readonly attempts?: number;
  readonly error?: string;
  /** ISO time it was dead-lettered (or sent to the DLQ). */
  readonly at?: string;
}

export interface HandlerSummary {
  readonly name: string;
  readonly description?: string;
  /** What the trigger editor starts from: the payload of this handler's latest event, else `{}`. */
  readonly sample_payload: Record<string, unknown>;
}

/** A recipe stage waiting at an approval gate. */
export interface ApprovalSummary {
  readonly id: string;
  readonly job_id: string;
  readonly handler: string;
  readonly stage: string;
  readonly prompt?: string;
  readonly requested_at: string;
  /** ISO time the gate decides by itself (its timeout), if it has one. */
  readonly timeout_at?: string;
}

export const ApprovalDecision = { APPROVE: "approve", DENY: "deny" } as const;
export type ApprovalDecision = (typeof ApprovalDecision)[keyof typeof ApprovalDecision];

export interface Percentiles {
  readonly count: number;
  readonly p50?: number;
  readonly p95?: number;
  readonly p99?: number;
}

export interface LatencySeries {
  /** `ack` (receipt to durable acknowledgement) or `run` (a job's run). */
  readonly name: string;
  readonly label: string;
  /** Over the whole window. */
  readonly overall: Percentiles;
  /** Per bucket of `bucket_ms`, oldest first. */
  readonly buckets: readonly (Percentiles & { readonly at: string })[];
  /** Why there is no data when a backend cannot measure it. */
  readonly note?: string;
}

export interface Metrics {
  readonly window_ms: number;
  readonly generated_at: string;
  /** One entry per minute of the window, oldest first: runs that finished in it. */
  readonly jobs_per_minute: readonly {
    readonly at: string;
    readonly succeeded: number;
    readonly failed: number;
    readonly other: number;
  }[];
  readonly bucket_ms: number;
  readonly latency: readonly LatencySeries[];
  readonly failures_by_handler: readonly { readonly handler: string; readonly failed: number; readonly runs: number }[];
}

export interface Overview {
  readonly kind: "daemon" | "cloud";
  /** What is being looked at: the config file, or the stack name. */
  readonly title: string;
  readonly queue_depth: number;
  readonly running: number;
  readonly dead_letters: number;
  readonly approvals_waiting: number;
  /** Backend-specific facts worth a line (queue URLs, the webhook URL, state folder). */
  readonly facts: readonly { readonly label: string; readonly value: string }[];
  /** What this backend can do; the page hides what it cannot. */
  readonly can: {
    readonly pause_sources: boolean;
    readonly replay: boolean;
    readonly approvals: boolean;
    readonly trigger: boolean;
    /** Redrive one dead letter (else only all together). */
    readonly redrive_one: boolean;
    /** Show an event's trace. */
    readonly traces: boolean;
  };
}

/** The jobs that changed since a cursor, and the cursor to ask with next. */
export interface JobChanges {
  readonly cursor: string;
  readonly jobs: readonly JobSummary[];
}

export interface TriggerResult {
  readonly status: string;
  readonly event_id: string;
  readonly jobs: readonly string[];
  readonly reason?: string;
}

/** A refusal the page shows as is: bad input (400), unknown thing (404), a conflict (409). */
export class DashboardRequestError extends Error {
  override readonly name = "DashboardRequestError";
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface DashboardSource {
  overview(): Promise<Overview>;
  listJobs(query: JobQuery): Promise<JobSummary[]>;
  getJob(id: string): Promise<JobDetail | undefined>;
  /** Jobs changed since `cursor` (undefined: from now on, nothing returned). */
  changes(cursor: string | undefined): Promise<JobChanges>;
  listSources(): Promise<SourceSummary[]>;
  setSourcePaused(name: string, paused: boolean): Promise<SourceSummary>;
  listDeadLetters(): Promise<DeadLetterSummary[]>;
  redrive(selection: { readonly id: string } | { readonly all: true }): Promise<{ readonly redriven: number }>;
  listHandlers(): Promise<HandlerSummary[]>;
  trigger(handler: string, payload: Record<string, unknown>): Promise<TriggerResult>;
  /** Runs a past job's event again as a new job. */
  replay(jobId: string): Promise<{ readonly jobs: readonly string[] }>;
  listApprovals(): Promise<ApprovalSummary[]>;
  decideApproval(
    id: string,
    decision: ApprovalDecision,
  ): Promise<{ readonly job_id: string; readonly decision: string }>;
  /** The spans of an event's trace (empty when none were recorded). */
  trace(eventId: string): Promise<TraceView>;
  /** Charts over the last `windowMs`. */
  metrics(windowMs: number): Promise<Metrics>;
}
