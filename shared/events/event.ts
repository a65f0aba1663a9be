/** The normalized event, the job and the result: the vocabulary every other module speaks. */
import type { StepTrace } from "./step-trace.ts";
import type { RunResume } from "./parked-run.ts";

export const EventType = {
  FILE_CHANGE: "file_change",
  GIT_PUSH: "git_push",
  GIT_PR: "git_pr",
  WEBHOOK: "webhook",
  SCHEDULE: "schedule",
  MANUAL: "manual",
  CUSTOM: "custom",
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export const EVENT_TYPES = Object.values(EventType) as readonly EventType[];

/** The spec's Event, plus a deterministic `id` (see DESIGN.md "Identity and dedupe"). */
export interface Event {
  /** Deterministic: GitHub delivery id, webhook-id or body hash, schedule name + time, file set hash, or a UUID. */
  readonly id: string;
  readonly type: EventType;
  /** Where it came from: webhook path, schedule name, watched path, "github", "cli". */
  readonly source: string;
  readonly payload: Record<string, unknown>;
  /** ISO-8601 time the event happened (schedule: the scheduled time). */
  readonly timestamp: string;
  readonly metadata?: Record<string, unknown>;
}

export const RunStatus = {
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  SKIPPED: "skipped",
  DROPPED: "dropped",
  /** Not run: a budget (shared/guardrails) was used up. Replayable once it is raised. */
  BUDGET_EXCEEDED: "budget_exceeded",
  /** The run waits at an approval gate (a staged recipe); it continues once approved. */
  PARKED: "parked",
  /** Someone (or a gate's timeout) denied the run at an approval gate: it ended there. */
  DENIED: "denied",
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/**
 * The spec's EventResult plus run facts. The spec's five fields are always present, in its order:
 * `output` and `error` are null when there is none (`error: null` on success), as in the spec.
 */
export interface EventResult {
  readonly event_id: string;
  readonly success: boolean;
  readonly actions_taken: string[];
  readonly output: unknown;
  readonly error: string | null;
  readonly job_id?: string;
  readonly handler?: string;
  readonly status?: RunStatus;
  /** Why a job was skipped (hook deny), dropped (overflow, superseded by job id ...) or not run (budget). */
  readonly reason?: string;
  readonly attempt?: number;
  readonly started_at?: string;
  readonly finished_at?: string;
  readonly duration_ms?: number;
  /** Each step's rendered input, output or error and timings (step-trace.ts). */
  readonly steps?: readonly StepTrace[];
}

/** One (event, handler) pair: the unit that is queued, deduplicated, retried and dead-lettered. */
export interface Job {
  /** `event.id + "#" + handler`, or with a `#replay-<n>` suffix for replays. */
  readonly id: string;
  readonly handler: string;
  readonly event: Event;
  /** 1 for the first run; incremented on each retry. */
  readonly attempt: number;
  readonly enqueued_at: string;
  /** Set when the handler declares `concurrency.key`: the rendered key. */
  readonly concurrency_key?: string;
  /** Set on replays: the original job id. */
  readonly replay_of?: string;
  /** W3C trace context of the event's admission span (shared/tracing): the job's span is its child. */
  readonly traceparent?: string;
  /** Set when the job continues a run approved at a gate: where it stopped and the decision. */
  readonly resume?: RunResume;
}

export function jobIdOf(eventId: string, handler: string): string {
  return `${eventId}#${handler}`;
}
