/**
 * ONE job runner for the daemon's worker and the SQS Lambda:
 *   claim (COMPLETED -> duplicate, leased elsewhere -> busy) -> the job's span (tracing)
 *   -> budgets (shared/guardrails: a budget used up -> BUDGET_EXCEEDED, recorded, event:dropped,
 *   COMPLETED: not run, replayable) -> event:handler:start hooks
 *   (skip/deny -> a SKIPPED result, recorded and COMPLETED: never runs again) -> pipeline under the
 *   handler's timeout_ms -> EventResult -> history -> complete / fail -> last-run for schedules
 *   -> event:handler:end hooks.
 * Retrying and dead-lettering are decided by `settle` (settle.ts); a failure's class
 * (`PermanentError` or `RetryableError`) tells it whether a retry can help. Every log line carries event_id, job_id and handler.
 */
import type { OrchestratorConfig } from "../config/schema.ts";
import { EventType, RunStatus, type EventResult, type Job } from "../events/event.ts";
import type { BudgetGate, BudgetVerdict, UsageMeter } from "../guardrails/budget-gate.ts";
import type { ParkedRun } from "../events/parked-run.ts";
import { LifecycleEvent, type HookBus, type HookData } from "../hooks/lifecycle.ts";
import type { Logger } from "../logging/logger.ts";
import type { PipelineOutcome, PipelineRunner } from "../pipeline/pipeline-runner.ts";
import { combineStepObservers, type StepObserver } from "../pipeline/step-observer.ts";
import type { Clock } from "../ports/clock.ts";
import type { HistoryStore } from "../ports/history-store.ts";
import type { JobStore } from "../ports/job-store.ts";
import type { LastRunStore } from "../ports/last-run-store.ts";
import { PermanentError, RetryableError } from "../retry/retry-intent.ts";
import type { EventTracer } from "../tracing/event-tracer.ts";

export interface RunJobDeps {
  readonly jobs: JobStore;
  readonly history: HistoryStore;
  readonly lastRun: LastRunStore;
  readonly pipeline: PipelineRunner;
  readonly hooks: HookBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a claim holds; must exceed the handler's timeout_ms (else another runner may take over). */
  readonly leaseMs: number;
  /** Budgets: asked before the run, charged with each prompt's usage. @default none */
  readonly budget?: BudgetGate;
  /** One span per attempt and step. @default none */
  readonly tracer?: Pick<EventTracer, "job">;
  /** More observers of the job's steps (the daemon's own-write registry). @default none */
  readonly observeSteps?: (job: Job) => StepObserver;
}

export type RunJobOutcome =
  | { readonly kind: "completed"; readonly result: EventResult }
  | { readonly kind: "failed"; readonly result: EventResult; readonly error: RetryableError | PermanentError }
  /** A hook denied it: recorded, COMPLETED, never retried. */
  | { readonly kind: "skipped"; readonly result: EventResult }
  /** A budget was used up: not run, recorded, COMPLETED (replay it once the budget is raised). */
  | { readonly kind: "budget_exceeded"; readonly result: EventResult }
  /** Stopped at an approval gate (status parked): settled by parking it until a decision. */
  | { readonly kind: "parked"; readonly result: EventResult; readonly parked: ParkedRun }
  /** Already COMPLETED: nothing ran. */
  | { readonly kind: "duplicate" }
  /** Another runner holds the lease: nothing ran. */
  | { readonly kind: "busy" };

/** The schedule name of a schedule event (metadata.schedule, else its source). */
export function scheduleNameOf(job: Job): string | undefined {
  if (job.event.type !== EventType.SCHEDULE) return undefined;
  const name = job.event.metadata?.schedule;
  return typeof name === "string" ? name : job.event.source;
}

export interface RunJobOptions {
  /**
   * Epoch ms by which the pipeline must have stopped, whatever its handler's timeout_ms: the
   * runner Lambda's remaining time minus the time it needs to record the outcome (deadline.ts).
   */
  readonly deadline?: number;
}

export async function runJob(
  job: Job,
  config: OrchestratorConfig,
  deps: RunJobDeps,
  opts: RunJobOptions = {},
): Promise<RunJobOutcome> {
  const log = deps.logger.child({ event_id: job.event.id, job_id: job.id, handler: job.handler });
  const claim = await deps.jobs.claim(job.id, deps.leaseMs, deps.clock.now());
  if (claim.kind === "duplicate") {
    log.log("info", "job already completed: not running it again");
    return { kind: "duplicate" };
  }
  if (claim.kind === "busy") {
    log.log("info", "job is leased by another runner", {
      lease_expires_at: new Date(claim.record.leaseExpiresAt).toISOString(),
    });
    return { kind: "busy" };
  }

  const attempt = Math.max(job.attempt, claim.record.attempts);
  const startedMs = deps.clock.now();
  const hookData: HookData = { event: job.event, handler: job.handler, job_id: job.id };
  const facts = (finishedMs: number) => ({
    event_id: job.event.id,
    job_id: job.id,
    handler: job.handler,
    attempt,
    started_at: new Date(startedMs).toISOString(),
    finished_at: new Date(finishedMs).toISOString(),
    duration_ms: finishedMs - startedMs,
  });

  const span = deps.tracer?.job(job, attempt);
  // The counters unreachable: a failed (retryable) run, settled like any other, never a held lease.
  let budgetError: string | undefined;
  if (deps.budget) {
    let verdict: BudgetVerdict = { ok: true };
    try {
      verdict = await deps.budget.admit(job.handler);
    } catch (err) {
      budgetError = `budget check failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (!verdict.ok) {
      const { event_id, ...runFacts } = facts(deps.clock.now());
      const result: EventResult = {
        event_id,
        success: false,
        actions_taken: [],
        output: null,
        error: null,
        ...runFacts,
        status: RunStatus.BUDGET_EXCEEDED,
        reason: verdict.reason,
      };
      await recordBudgetExceeded(job, result, deps, log);
      span?.end(result);
      return { kind: "budget_exceeded", result };
    }
  }

  let outcome: PipelineOutcome;
  let skipReason: string | undefined;
  const meter: UsageMeter | undefined = deps.budget?.meter(job.handler);
  const observer = combineStepObservers(
    [span?.observer, meter?.observer, deps.observeSteps?.(job)].filter((o): o is StepObserver => o !== undefined),
  );
  try {
    if (budgetError !== undefined) throw new Error(budgetError);
    const decision = await deps.hooks.emit(LifecycleEvent.HANDLER_START, hookData);
    if (decision.action === "skip") skipReason = decision.reason;
    outcome =
      skipReason === undefined
        ? await runPipeline(job, config, deps, log, opts, observer)
        : { success: true, actions_taken: [] };
  } catch (err) {
    outcome = {
      success: false,
      actions_taken: [],
      error: `runner error: ${err instanceof Error ? err.message : String(err)}`,
    };
  }

  await meter?.settled();
  const finishedMs = deps.clock.now();
  const status =
    skipReason !== undefined
      ? RunStatus.SKIPPED
      : outcome.parked
        ? RunStatus.PARKED
        : outcome.success
          ? RunStatus.SUCCEEDED
          : RunStatus.FAILED;
  const { event_id, ...runFacts } = facts(finishedMs);
  const result: EventResult = {
    event_id,
    success: outcome.success,
    actions_taken: outcome.actions_taken,
    output: outcome.output ?? null,
    error: outcome.error ?? null,
    ...runFacts,
    status,
    ...(skipReason !== undefined ? { reason: skipReason } : {}),
    ...(outcome.steps !== undefined && outcome.steps.length > 0 ? { steps: outcome.steps } : {}),
  };

  await deps.history.append(result);
  span?.end(result);
  let runOutcome: RunJobOutcome;
  if (status === RunStatus.PARKED) {
    // Not done and not failed: claimable again once approved; the settlement parks it.
    await deps.jobs.fail(job.id, result, finishedMs);
    log.log("info", "job waits at an approval gate", { stage: outcome.parked!.gate.stage });
    runOutcome = { kind: "parked", result, parked: outcome.parked! };
  } else if (status === RunStatus.FAILED) {
    await deps.jobs.fail(job.id, result, finishedMs);
    const message = result.error ?? "failed";
    const error = outcome.permanent === true ? new PermanentError(message) : new RetryableError(message);
    log.log("warn", "job failed", {
      attempt,
      retryable: error instanceof RetryableError,
      error: message,
      duration_ms: result.duration_ms,
    });
    runOutcome = { kind: "failed", result, error };
  } else {
    await deps.jobs.complete(job.id, result, finishedMs);
    await recordLastRun(job, deps, log);
    if (status === RunStatus.SKIPPED) log.log("info", "job skipped by a hook", { reason: skipReason });
    else log.log("info", "job completed", { attempt, duration_ms: result.duration_ms });
    runOutcome = status === RunStatus.SKIPPED ? { kind: "skipped", result } : { kind: "completed", result };
  }

  try {
    await deps.hooks.emit(LifecycleEvent.HANDLER_END, { ...hookData, result });
  } catch (err) {
    log.log("warn", "event:handler:end hook failed", { error: err instanceof Error ? err.message : String(err) });
  }
  return runOutcome;
}

/**
 * The pipeline under the handler's timeout_ms, or less when the runner's deadline comes first: on
 * expiry the signal aborts and the run fails (retryable), early enough for the failure to be recorded.
 */
async function runPipeline(
  job: Job,
  config: OrchestratorConfig,
  deps: RunJobDeps,
  log: Logger,
  opts: RunJobOptions,
  observer: StepObserver,
): Promise<PipelineOutcome> {
  const handler = config.handlers[job.handler];
  if (!handler) {
    return {
      success: false,
      actions_taken: [],
      permanent: true,
      error: `no handler named "${job.handler}"; handlers: ${Object.keys(config.handlers).join(", ") || "(none)"}`,
    };
  }
  const timeoutMs = handler.timeout_ms;
  const leftMs = opts.deadline === undefined ? timeoutMs : Math.max(0, opts.deadline - deps.clock.now());
  const budgetMs = Math.min(timeoutMs, leftMs);
  const expiry =
    budgetMs < timeoutMs
      ? `handler "${job.handler}" stopped after ${budgetMs} ms: the runner's time was running out (its timeout_ms is ${timeoutMs})`
      : `handler "${job.handler}" timed out after ${timeoutMs} ms`;
  if (deps.leaseMs <= timeoutMs)
    log.log("warn", "lease is not longer than the handler timeout: another runner may take the job over", {
      lease_ms: deps.leaseMs,
      timeout_ms: timeoutMs,
    });
  const scheduleName = scheduleNameOf(job);
  const lastRun = scheduleName !== undefined ? await deps.lastRun.get(scheduleName) : undefined;

  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<PipelineOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(expiry));
      resolve({ success: false, actions_taken: [], error: expiry });
    }, budgetMs);
  });
  const run = deps.pipeline.run(job, {
    signal: controller.signal,
    observer,
    ...(lastRun !== undefined ? { lastRun } : {}),
  });
  run.catch(() => undefined); // a run still going after the timeout must not surface as unhandled
  try {
    return await Promise.race([run, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A job a budget refused: in history, COMPLETED (so redeliveries do not run it), `event:dropped` with the reason. */
async function recordBudgetExceeded(job: Job, result: EventResult, deps: RunJobDeps, log: Logger): Promise<void> {
  log.log("warn", "job not run: budget exceeded", { reason: result.reason });
  await deps.history.append(result);
  await deps.jobs.complete(job.id, result, deps.clock.now());
  try {
    await deps.hooks.emit(LifecycleEvent.DROPPED, {
      event: job.event,
      handler: job.handler,
      job_id: job.id,
      reason: result.reason,
      result,
    });
  } catch (err) {
    log.log("warn", "event:dropped hook failed", { error: err instanceof Error ? err.message : String(err) });
  }
}

/** Schedules remember when they last ran (the scheduled time), for `{last_run}` and catch-up. */
async function recordLastRun(job: Job, deps: RunJobDeps, log: Logger): Promise<void> {
  const name = scheduleNameOf(job);
  if (name === undefined) return;
  const scheduled =
    typeof job.event.metadata?.scheduled_time === "string" ? job.event.metadata.scheduled_time : job.event.timestamp;
  const at = Date.parse(scheduled);
  if (Number.isNaN(at)) {
    log.log("warn", "schedule event without a valid scheduled time: last run not recorded", {
      scheduled_time: scheduled,
    });
    return;
  }
  await deps.lastRun.set(name, at);
}
