/**
 * The intake of events that do not come over HTTP (schedules, file watchers, manual triggers,
 * local git pushes): the same steps as the shared ingest after verification: `event:received`
 * hooks (skip), route, durable submit, `event:queued` / `event:dropped`.
 */
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import type { Event, Job } from "../../shared/events/event.ts";
import { LifecycleEvent, type HookBus, type HookData } from "../../shared/hooks/lifecycle.ts";
import type { Logger } from "../../shared/logging/logger.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { JobQueue, SubmitOutcome } from "../../shared/ports/job-queue.ts";
import { routeEvent } from "../../shared/router/route.ts";

export interface EventIntakeDeps {
  readonly config: OrchestratorConfig;
  readonly queue: JobQueue;
  readonly hooks: HookBus;
  readonly clock: Clock;
  readonly logger: Logger;
}

export type IntakeOutcome =
  | { readonly kind: "skipped"; readonly event_id: string; readonly reason: string }
  | { readonly kind: "ignored"; readonly event_id: string }
  | (SubmitOutcome & { readonly event_id: string });

export type SubmitEvent = (event: Event, opts?: { handler?: string }) => Promise<IntakeOutcome>;

export function createEventIntake(deps: EventIntakeDeps): SubmitEvent {
  async function quietly(name: LifecycleEvent, data: HookData, log: Logger): Promise<void> {
    try {
      await deps.hooks.emit(name, data);
    } catch (err) {
      log.log("warn", `${name} hook failed`, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  return async function submitEvent(input, opts = {}) {
    let event = input;
    const log = deps.logger.child({ event_id: event.id, source: event.source });
    const decision = await deps.hooks.emit(LifecycleEvent.RECEIVED, { event, source: event.source });
    if (decision.action === "skip") {
      log.log("info", "event skipped by a hook", { reason: decision.reason });
      return { kind: "skipped", event_id: event.id, reason: decision.reason };
    }
    if (decision.payload) event = { ...event, payload: decision.payload };
    const jobs: Job[] = routeEvent(event, deps.config, new Date(deps.clock.now()), {
      handler: opts.handler,
      logger: log,
    });
    if (jobs.length === 0) {
      log.log("info", "no handler matches the event", { type: event.type });
      return { kind: "ignored", event_id: event.id };
    }
    const outcome = await deps.queue.submit(event, jobs);
    if (outcome.kind === "accepted") {
      log.log("info", "event accepted", { jobs: outcome.jobIds });
      for (const job of jobs)
        await quietly(LifecycleEvent.QUEUED, { event, handler: job.handler, job_id: job.id }, log);
    } else if (outcome.kind === "dropped") {
      log.log("warn", "event dropped: queue full", { reason: outcome.reason });
      for (const job of jobs)
        await quietly(
          LifecycleEvent.DROPPED,
          { event, handler: job.handler, job_id: job.id, reason: outcome.reason },
          log,
        );
    } else if (outcome.kind === "rejected") {
      log.log("warn", "event refused: queue full", { reason: outcome.reason });
    } else {
      log.log("info", "duplicate event: nothing enqueued", { jobs: outcome.jobIds });
    }
    return { ...outcome, event_id: event.id };
  };
}
