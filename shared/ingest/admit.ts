/**
 * THE admission of an event, for every entry point: HTTP ingest (daemon and Lambda), schedules
 * (the daemon's timer, the Scheduler message in the runner Lambda), file watchers, local git
 * pushes, manual triggers (`evd daemon trigger`, `evd cloud trigger`, `evd event`), the watcher
 * bridge and replays.
 *
 *   loop guard (a self-caused or too deep event -> skipped)
 *   -> event:received hooks (skip -> skipped; modify -> new payload) -> route (none -> ignored)
 *   -> storm breaker (a paused source: rejected with a retry-after, or dropped under `drop`)
 *   -> queue.submit: accepted | duplicate | dropped | rejected (queue full) ; throws -> unavailable
 *   -> event:queued per job (accepted) / event:dropped per job (dropped)
 *   -> the admission span (the root of the event's trace; its `traceparent` rides on the jobs)
 *
 * The outcome is typed data: each transport turns it into its own answer (HTTP status, CLI exit
 * code, a watcher's "retry later"). A hook failing after the jobs are durably queued does not
 * change the outcome. An unknown `handler` throws RouterError (bad input, nothing changed).
 */
import type { OrchestratorConfig, SourceConfig } from "../config/schema.ts";
import type { Event, Job } from "../events/event.ts";
import type { AdmissionGuard } from "../guardrails/admission-guard.ts";
import { LifecycleEvent, type HookBus, type HookData } from "../hooks/lifecycle.ts";
import type { Logger } from "../logging/logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { JobQueue } from "../ports/job-queue.ts";
import { routeEvent, type RouteOptions } from "../router/route.ts";
import type { EventTracer } from "../tracing/event-tracer.ts";

export const AdmissionKind = {
  ACCEPTED: "accepted",
  DUPLICATE: "duplicate",
  DROPPED: "dropped",
  REJECTED: "rejected",
  SKIPPED: "skipped",
  IGNORED: "ignored",
  UNAVAILABLE: "unavailable",
} as const;
export type AdmissionKind = (typeof AdmissionKind)[keyof typeof AdmissionKind];

export type AdmissionOutcome =
  /** Durably queued: the jobs will run. */
  | {
      readonly kind: typeof AdmissionKind.ACCEPTED;
      readonly event: Event;
      readonly jobs: readonly Job[];
      readonly jobIds: readonly string[];
    }
  /** The event id was seen before: nothing enqueued. */
  | { readonly kind: typeof AdmissionKind.DUPLICATE; readonly event: Event; readonly jobIds: readonly string[] }
  /** `queue_overflow: drop` and the queue is full: recorded as dropped, nothing will run. */
  | {
      readonly kind: typeof AdmissionKind.DROPPED;
      readonly event: Event;
      readonly jobIds: readonly string[];
      readonly reason: string;
    }
  /** The queue is full (`queue` or `error` policy) or the source is paused: nothing enqueued, retry later. */
  | {
      readonly kind: typeof AdmissionKind.REJECTED;
      readonly event: Event;
      readonly reason: string;
      /** Set when the storm breaker paused the source: how long until it resumes. */
      readonly paused?: { readonly retryAfterSeconds: number };
    }
  /** An `event:received` hook skipped it. */
  | { readonly kind: typeof AdmissionKind.SKIPPED; readonly event: Event; readonly reason: string }
  /** No handler matches. */
  | { readonly kind: typeof AdmissionKind.IGNORED; readonly event: Event; readonly reason: string }
  /** The queue failed: nothing enqueued, the sender should retry later. */
  | { readonly kind: typeof AdmissionKind.UNAVAILABLE; readonly event: Event; readonly error: string };

export interface AdmitOptions {
  /** Run this handler directly instead of routing (manual triggers). Unknown -> RouterError. */
  readonly handler?: string;
  /** Only sources this accepts take part (HTTP: the sources whose secret verified the delivery). */
  readonly acceptSource?: (source: SourceConfig, index: number) => boolean;
  /** What hooks see as `source`. @default event.source */
  readonly source?: string;
}

/** Event -> its jobs (the shared router over the config; see routeEvent's options). */
export type RouteFn = (event: Event, now: Date, options: RouteOptions) => Job[];

/** The shared router over a config: what every entry with a config admits through. */
export function configRoute(config: OrchestratorConfig): RouteFn {
  return (event, now, options) => routeEvent(event, config, now, options);
}

export interface AdmitDeps {
  readonly route: RouteFn;
  readonly queue: JobQueue;
  readonly hooks: HookBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Loop detection and the storm breaker (shared/guardrails). @default none */
  readonly guard?: AdmissionGuard;
  /** Records the admission span and gives the jobs their `traceparent` (shared/tracing). @default none */
  readonly tracer?: Pick<EventTracer, "admission" | "traceparentOf">;
}

export type Admit = (event: Event, options?: AdmitOptions) => Promise<AdmissionOutcome>;

export function createAdmission(deps: AdmitDeps): Admit {
  const { route } = deps;
  async function quietly(name: LifecycleEvent, data: HookData, log: Logger): Promise<void> {
    try {
      await deps.hooks.emit(name, data);
    } catch (err) {
      log.log("warn", `${name} hook failed`, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  async function admitOnce(input: Event, options: AdmitOptions): Promise<AdmissionOutcome> {
    let event = input;
    const source = options.source ?? event.source;
    const log = deps.logger.child({ event_id: event.id, source });
    const loop = deps.guard?.screen(event);
    if (loop?.kind === "skip") {
      log.log("warn", "event skipped by the loop guard", { reason: loop.reason });
      return { kind: AdmissionKind.SKIPPED, event, reason: loop.reason };
    }
    const decision = await deps.hooks.emit(LifecycleEvent.RECEIVED, { event, source: options.source ?? event.source });
    if (decision.action === "skip") {
      log.log("info", "event skipped by a hook", { reason: decision.reason });
      return { kind: AdmissionKind.SKIPPED, event, reason: decision.reason };
    }
    if (decision.payload) event = { ...event, payload: decision.payload };

    const routed = route(event, new Date(deps.clock.now()), {
      ...(options.handler !== undefined ? { handler: options.handler } : {}),
      ...(options.acceptSource ? { acceptSource: options.acceptSource } : {}),
      logger: log,
    });
    if (routed.length === 0) {
      log.log("info", "no handler matches the event", { type: event.type });
      return { kind: AdmissionKind.IGNORED, event, reason: "no handler matches this event" };
    }
    const traceparent = deps.tracer?.traceparentOf(event);
    const jobs = traceparent === undefined ? routed : routed.map((job) => ({ ...job, traceparent }));

    // QUEUED goes out once, as soon as the jobs can run (SubmitOptions.onAccepted), at the latest
    // when the queue says "accepted".
    let queuedHooks: Promise<void> | undefined;
    const announceQueued = (): void => {
      queuedHooks ??= (async () => {
        for (const job of jobs)
          await quietly(LifecycleEvent.QUEUED, { event, handler: job.handler, job_id: job.id }, log);
      })();
    };
    let outcome;
    try {
      const throttle = deps.guard ? await deps.guard.throttle(source) : undefined;
      if (throttle?.kind === "refuse") {
        log.log("warn", "event refused: source paused", { reason: throttle.reason });
        return {
          kind: AdmissionKind.REJECTED,
          event,
          reason: throttle.reason,
          paused: { retryAfterSeconds: throttle.retryAfterSeconds },
        };
      }
      outcome = await deps.queue.submit(event, jobs, {
        ...(throttle?.kind === "drop" ? { dropReason: throttle.reason } : {}),
        onAccepted: announceQueued,
      });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log.log("error", "queue submit failed", { error });
      return { kind: AdmissionKind.UNAVAILABLE, event, error };
    }
    switch (outcome.kind) {
      case "accepted":
        log.log("debug", "event accepted", { jobs: outcome.jobIds });
        announceQueued();
        await queuedHooks;
        return { kind: AdmissionKind.ACCEPTED, event, jobs, jobIds: outcome.jobIds };
      case "duplicate":
        log.log("info", "duplicate event: nothing enqueued", { jobs: outcome.jobIds });
        return { kind: AdmissionKind.DUPLICATE, event, jobIds: outcome.jobIds };
      case "dropped":
        log.log("warn", "event dropped", { reason: outcome.reason });
        for (const job of jobs) {
          await quietly(
            LifecycleEvent.DROPPED,
            { event, handler: job.handler, job_id: job.id, reason: outcome.reason },
            log,
          );
        }
        return { kind: AdmissionKind.DROPPED, event, jobIds: outcome.jobIds, reason: outcome.reason };
      case "rejected":
        log.log("warn", "event refused: queue full", { reason: outcome.reason });
        return { kind: AdmissionKind.REJECTED, event, reason: outcome.reason };
    }
  }

  return async function admit(input, options = {}) {
    const start = deps.clock.now();
    const outcome = await admitOnce(input, options);
    deps.tracer?.admission(outcome.event, {
      outcome: outcome.kind,
      source: options.source ?? input.source,
      start,
      end: deps.clock.now(),
      ...("jobIds" in outcome ? { jobIds: outcome.jobIds } : {}),
      ...("reason" in outcome ? { reason: outcome.reason } : {}),
    });
    return outcome;
  };
}
