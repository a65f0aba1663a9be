/**
 * What the runner does with one job message: its approval gate, when its run may stop at one (a
 * duplicate of a parked job's message, or a resume that is not the approved one, runs nothing:
 * shared/aws/cloud-gates.ts), the concurrency key (supersede, a held key offers the
 * job again later), the run slot (max_concurrent_handlers: 1), the time left in the invocation
 * (a job that cannot get its whole timeout before the deadline is offered again to a fresh
 * invocation), the shared runJob under the deadline, then the shared `settle` with the message
 * as the settler. Answers whether the SQS message is done (deleted) or kept (a batch item failure).
 */
import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { CloudGates } from "../shared/aws/cloud-gates.ts";
import type { ConcurrencyLease, LeaseOutcome } from "../shared/aws/concurrency-lease.ts";
import type { RunSlot } from "../shared/aws/run-slots.ts";
import type { SqsJobSender } from "../shared/aws/sqs-job-sender.ts";
import { SqsMessageSettler, type ReceivedMessage } from "../shared/aws/sqs-message-settler.ts";
import type { OrchestratorConfig } from "../shared/config/schema.ts";
import { RunStatus, type EventResult, type Job } from "../shared/events/event.ts";
import { LifecycleEvent } from "../shared/hooks/lifecycle.ts";
import { retryPolicyFor } from "../shared/retry/retry-policy.ts";
import { fitsBefore } from "../shared/runner/deadline.ts";
import { runJob, type RunJobDeps, type RunJobOutcome } from "../shared/runner/run-job.ts";
import { settle, SettlementKind, type Settlement } from "../shared/runner/settle.ts";
import { Metric, type MetricSink } from "./metrics.ts";

/** How long SQS keeps a message when the stack does not say (the queue's default and infra's). */
export const DEFAULT_QUEUE_RETENTION_SECONDS = 4 * 86_400;

export interface ProcessJobDeps extends RunJobDeps {
  readonly config: OrchestratorConfig;
  readonly leases: ConcurrencyLease;
  readonly sender: SqsJobSender;
  readonly metrics: MetricSink;
  /** Longest wait before a job whose key is held is offered again. @default 30 */
  readonly keyRetryDelaySeconds?: number;
  /** How long the queue keeps a message: a retry must start before. @default 4 days */
  readonly queueRetentionSeconds?: number;
  /** The single run slot, when max_concurrent_handlers is below what the event source can enforce. */
  readonly runSlot?: RunSlot;
  /** Where runs wait at approval gates. @default none: a run reaching a gate is dead-lettered */
  readonly gates?: CloudGates;
}

/** Where a job runs: the invocation's deadline, and whether a job that cannot fit may be offered again. */
export interface RunWindow {
  /** Epoch ms by which the pipeline must stop (the function's remaining time minus the finish margin). */
  readonly deadline?: number;
  /**
   * True when another job already ran in this invocation: a job that cannot get its whole timeout
   * before the deadline goes back to the queue for a fresh invocation instead of running short.
   */
  readonly mayReoffer?: boolean;
}

export interface MessageFacts extends ReceivedMessage {
  /** The message's attributes, sent along when the message is offered again as it is. */
  readonly attributes?: Record<string, MessageAttributeValue>;
  /** ApproximateReceiveCount of the SQS record. */
  readonly receiveCount: number;
  /** SentTimestamp of the SQS record (epoch ms): the queue keeps it until this plus its retention. */
  readonly sentAt?: number;
}

export type JobDisposition = { readonly kind: "done" } | { readonly kind: "retry"; readonly reason: string };

const DONE: JobDisposition = { kind: "done" };

export async function processJob(
  job: Job,
  msg: MessageFacts,
  deps: ProcessJobDeps,
  window: RunWindow = {},
): Promise<JobDisposition> {
  const log = deps.logger.child({ event_id: job.event.id, job_id: job.id, handler: job.handler });
  const dims = { handler: job.handler };
  const handler = deps.config.handlers[job.handler];
  const concurrency = handler?.concurrency;
  const key = concurrency ? job.concurrency_key : undefined;

  const notToRun = await deps.gates?.vet(job);
  if (notToRun !== undefined) {
    log.log("info", `job not run: ${notToRun}`, { resume: job.resume !== undefined });
    deps.metrics(Metric.DUPLICATE, 1, dims);
    return DONE;
  }
  if (key !== undefined && concurrency?.on_new === "supersede") {
    const latest = await deps.leases.latest(job.handler, key);
    if (latest !== undefined && latest !== job.id) {
      await supersede(job, latest, deps);
      log.log("info", "job superseded by a newer job for the same concurrency key", {
        concurrency_key: key,
        superseded_by: latest,
      });
      deps.metrics(Metric.SUPERSEDED, 1, dims);
      return DONE;
    }
  }
  const now = deps.clock.now();
  if (
    handler &&
    window.deadline !== undefined &&
    window.mayReoffer === true &&
    !fitsBefore(window.deadline, now, handler.timeout_ms)
  ) {
    await reoffer(msg, 0, deps);
    log.log("info", "not enough time left in this invocation for the handler's timeout: job offered again", {
      timeout_ms: handler.timeout_ms,
      left_ms: window.deadline - now,
    });
    deps.metrics(Metric.DEFERRED, 1, dims);
    return DONE;
  }
  if (deps.runSlot) {
    const slot = await deps.runSlot.acquire(job.id, deps.leaseMs, now);
    if (slot.kind === "held") return deferHeld(job, msg, deps, slot, now, { run_slot: true });
  }
  try {
    if (key !== undefined) {
      const lease = await deps.leases.acquire(job.handler, key, job.id, deps.leaseMs, now);
      if (lease.kind === "held") return await deferHeld(job, msg, deps, lease, now, { concurrency_key: key });
      try {
        return await runAndSettle(job, msg, deps, log, window);
      } finally {
        await deps.leases.release(job.handler, key, job.id);
      }
    }
    return await runAndSettle(job, msg, deps, log, window);
  } finally {
    if (deps.runSlot) await deps.runSlot.release(job.id);
  }
}

/** The message again, as it is, after `delaySeconds`; a re-send does not count as a receive toward the DLQ. */
async function reoffer(msg: MessageFacts, delaySeconds: number, deps: ProcessJobDeps): Promise<void> {
  await deps.sender.sendEncoded(
    [{ body: msg.body, attributes: msg.attributes ?? {} }],
    deps.sender.queueUrl,
    delaySeconds,
  );
}

/** A lease another job holds (concurrency key, run slot): the job is offered again when it may be free. */
async function deferHeld(
  job: Job,
  msg: MessageFacts,
  deps: ProcessJobDeps,
  lease: Extract<LeaseOutcome, { kind: "held" }>,
  now: number,
  fields: Record<string, unknown>,
): Promise<JobDisposition> {
  const wait = Math.min(
    deps.keyRetryDelaySeconds ?? 30,
    Math.max(1, Math.ceil((lease.leaseExpiresAt - now) / 1000)),
    900,
  );
  await reoffer(msg, wait, deps);
  deps.logger
    .child({ event_id: job.event.id, job_id: job.id, handler: job.handler })
    .log("info", "held by another job: offered again later", { ...fields, holder: lease.holder, delay_seconds: wait });
  deps.metrics(Metric.DEFERRED, 1, { handler: job.handler });
  return DONE;
}

async function runAndSettle(
  job: Job,
  msg: MessageFacts,
  deps: ProcessJobDeps,
  log: ReturnType<ProcessJobDeps["logger"]["child"]>,
  window: RunWindow,
): Promise<JobDisposition> {
  const outcome = await runJob(
    job,
    deps.config,
    deps,
    window.deadline !== undefined ? { deadline: window.deadline } : {},
  );
  const settler = new SqsMessageSettler(msg, deps.sender, deps.clock, log, deps.gates);
  const now = deps.clock.now();
  const retention = (deps.queueRetentionSeconds ?? DEFAULT_QUEUE_RETENTION_SECONDS) * 1000;
  const leaseExpiresAt = outcome.kind === "busy" ? (await deps.jobs.get(job.id))?.leaseExpiresAt : undefined;
  const decision = await settle(job, outcome, settler, retryPolicyFor(deps.config, job.handler), {
    now,
    ...(msg.sentAt !== undefined ? { deadline: msg.sentAt + retention } : {}),
    ...(leaseExpiresAt !== undefined ? { leaseExpiresAt } : {}),
  });
  record(outcome, decision, job, deps);
  if (decision.kind === SettlementKind.DEAD_LETTER) {
    log.log(
      "error",
      settler.keptBecause === undefined ? "sent to the DLQ" : "last attempt failed: SQS moves the message to the DLQ",
      {
        reason: decision.reason,
        receive_count: msg.receiveCount,
      },
    );
  }
  const kept = settler.keptBecause;
  return kept === undefined ? DONE : { kind: "retry", reason: kept };
}

const OUTCOME_METRIC: Record<RunJobOutcome["kind"], Metric> = {
  completed: Metric.COMPLETED,
  skipped: Metric.SKIPPED,
  duplicate: Metric.DUPLICATE,
  busy: Metric.BUSY,
  failed: Metric.FAILED,
  budget_exceeded: Metric.BUDGET_EXCEEDED,
  parked: Metric.PARKED,
};

function record(outcome: RunJobOutcome, decision: Settlement, job: Job, deps: ProcessJobDeps): void {
  const dims = { handler: job.handler };
  deps.metrics(OUTCOME_METRIC[outcome.kind], 1, dims);
  if (decision.kind === SettlementKind.DEAD_LETTER) deps.metrics(Metric.DEAD_LETTERED, 1, dims);
}

async function supersede(job: Job, latest: string, deps: ProcessJobDeps): Promise<void> {
  const now = deps.clock.now();
  const claim = await deps.jobs.claim(job.id, deps.leaseMs, now);
  if (claim.kind !== "claimed") return;
  const iso = new Date(now).toISOString();
  const result: EventResult = {
    event_id: job.event.id,
    job_id: job.id,
    handler: job.handler,
    success: true,
    actions_taken: [],
    output: null,
    error: null,
    status: RunStatus.DROPPED,
    reason: `superseded by ${latest}`,
    attempt: claim.record.attempts,
    started_at: iso,
    finished_at: iso,
    duration_ms: 0,
  };
  await deps.history.append(result);
  await deps.jobs.complete(job.id, result, now);
  await deps.hooks
    .emit(LifecycleEvent.DROPPED, {
      event: job.event,
      handler: job.handler,
      job_id: job.id,
      reason: result.reason,
      result,
    })
    .catch(() => undefined);
}
