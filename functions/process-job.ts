/**
 * What the runner does with one job: concurrency key (supersede, lease), the shared runJob, and
 * the queue semantics of its outcome. Answers what the SQS message should become:
 *   done    - delete the message (completed, skipped, duplicate, superseded, deferred, dead-lettered by us)
 *   retry   - leave it (batchItemFailure) after setting its visibility to the retry delay
 */
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { ConcurrencyLease } from "../shared/aws/concurrency-lease.ts";
import { jobMessageAttributes, type SqsJobQueue } from "../shared/aws/sqs-job-queue.ts";
import type { OrchestratorConfig } from "../shared/config/schema.ts";
import { RunStatus, type EventResult, type Job } from "../shared/events/event.ts";
import { LifecycleEvent } from "../shared/hooks/lifecycle.ts";
import { backoffDelayMs, retryPolicyFor, shouldDeadLetter } from "../shared/runner/retry-policy.ts";
import { runJob, type RunJobDeps } from "../shared/runner/run-job.ts";
import { Metric, type MetricSink } from "./metrics.ts";

export interface ProcessJobDeps extends RunJobDeps {
  readonly config: OrchestratorConfig;
  readonly leases: ConcurrencyLease;
  readonly queue: SqsJobQueue;
  readonly sqs: () => SQSClient;
  readonly queueUrl: string;
  /** Permanent failures are sent here at once; without it they wait for maxReceiveCount. */
  readonly dlqUrl?: string;
  readonly maxReceiveCount?: number;
  readonly metrics: MetricSink;
  /** Longest wait before a job whose key is held is offered again. @default 30 */
  readonly keyRetryDelaySeconds?: number;
}

export interface MessageFacts {
  readonly receiptHandle?: string;
  /** ApproximateReceiveCount of the SQS record. */
  readonly receiveCount: number;
  readonly body: string;
}

export type JobDisposition = { readonly kind: "done" } | { readonly kind: "retry"; readonly reason: string };

const MAX_VISIBILITY_SECONDS = 43_200;

export async function processJob(job: Job, msg: MessageFacts, deps: ProcessJobDeps): Promise<JobDisposition> {
  const log = deps.logger.child({ event_id: job.event.id, job_id: job.id, handler: job.handler });
  const dims = { handler: job.handler };
  const concurrency = deps.config.handlers[job.handler]?.concurrency;
  const key = concurrency ? job.concurrency_key : undefined;

  if (key !== undefined && concurrency?.on_new === "supersede") {
    const latest = await deps.leases.latest(job.handler, key);
    if (latest !== undefined && latest !== job.id) {
      await supersede(job, latest, deps);
      log.log("info", "job superseded by a newer job for the same concurrency key", {
        concurrency_key: key,
        superseded_by: latest,
      });
      deps.metrics(Metric.SUPERSEDED, 1, dims);
      return { kind: "done" };
    }
  }
  if (key !== undefined) {
    const now = deps.clock.now();
    const lease = await deps.leases.acquire(job.handler, key, job.id, deps.leaseMs, now);
    if (lease.kind === "held") {
      const wait = Math.min(
        deps.keyRetryDelaySeconds ?? 30,
        Math.max(1, Math.ceil((lease.leaseExpiresAt - now) / 1000)),
        900,
      );
      await deps.queue.send([job], { delaySeconds: wait });
      log.log("info", "concurrency key held: job offered again later", {
        concurrency_key: key,
        holder: lease.holder,
        delay_seconds: wait,
      });
      deps.metrics(Metric.DEFERRED, 1, dims);
      return { kind: "done" };
    }
  }
  try {
    return await runAndDispose(job, msg, deps, log);
  } finally {
    if (key !== undefined) await deps.leases.release(job.handler, key, job.id);
  }
}

async function runAndDispose(
  job: Job,
  msg: MessageFacts,
  deps: ProcessJobDeps,
  log: ReturnType<ProcessJobDeps["logger"]["child"]>,
): Promise<JobDisposition> {
  const dims = { handler: job.handler };
  const outcome = await runJob(job, deps.config, deps);
  switch (outcome.kind) {
    case "completed":
      deps.metrics(Metric.COMPLETED, 1, dims);
      return { kind: "done" };
    case "skipped":
      deps.metrics(Metric.SKIPPED, 1, dims);
      return { kind: "done" };
    case "duplicate":
      deps.metrics(Metric.DUPLICATE, 1, dims);
      return { kind: "done" };
    case "busy": {
      deps.metrics(Metric.BUSY, 1, dims);
      const record = await deps.jobs.get(job.id);
      const seconds = record ? Math.ceil((record.leaseExpiresAt - deps.clock.now()) / 1000) + 1 : 30;
      await setVisibility(msg, seconds, deps);
      return { kind: "retry", reason: "another runner holds the job's lease" };
    }
    case "failed": {
      deps.metrics(Metric.FAILED, 1, dims);
      if (!outcome.retryable && deps.dlqUrl) {
        await deadLetter(msg, outcome.result.error ?? "permanent failure", deps, job);
        log.log("error", "permanent failure: sent to the DLQ", { error: outcome.result.error });
        deps.metrics(Metric.DEAD_LETTERED, 1, dims);
        return { kind: "done" };
      }
      const policy = retryPolicyFor(deps.config, job.handler);
      const attempt = outcome.result.attempt ?? msg.receiveCount;
      const last =
        deps.maxReceiveCount !== undefined
          ? msg.receiveCount >= deps.maxReceiveCount
          : shouldDeadLetter(policy, attempt);
      if (last) {
        log.log("error", "last attempt failed: SQS moves the message to the DLQ", {
          attempt,
          receive_count: msg.receiveCount,
        });
        deps.metrics(Metric.DEAD_LETTERED, 1, dims);
      } else {
        await setVisibility(msg, Math.ceil(backoffDelayMs(policy, attempt) / 1000), deps);
      }
      return { kind: "retry", reason: outcome.result.error ?? "failed" };
    }
  }
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

async function setVisibility(msg: MessageFacts, seconds: number, deps: ProcessJobDeps): Promise<void> {
  if (!msg.receiptHandle) return;
  const s = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, seconds));
  try {
    await deps.sqs().send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: deps.queueUrl,
        ReceiptHandle: msg.receiptHandle,
        VisibilityTimeout: s,
      }),
    );
  } catch (err) {
    deps.logger.log("warn", "could not set the retry delay; the queue's visibility timeout applies", {
      error: (err as Error).message,
    });
  }
}

/** Sends the original message body to the DLQ with the reason; the caller then deletes the original. */
export async function deadLetter(
  msg: MessageFacts,
  reason: string,
  deps: Pick<ProcessJobDeps, "sqs" | "dlqUrl">,
  job?: Job,
): Promise<void> {
  await deps.sqs().send(
    new SendMessageCommand({
      QueueUrl: deps.dlqUrl,
      MessageBody: msg.body,
      MessageAttributes: {
        ...(job ? jobMessageAttributes(job) : {}),
        "evd-failure": { DataType: "String", StringValue: reason.slice(0, 1000) },
      },
    }),
  );
}
