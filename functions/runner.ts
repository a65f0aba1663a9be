/**
 * The runner Lambda: SQS event -> for each record the job(s) it stands for (a Job, or an
 * EventBridge Scheduler message) -> processJob -> `batchItemFailures` for the records to retry
 * (Powertools batch). Permanent failures go straight to the DLQ (with the reason as a message
 * attribute); retryable ones come back after the retry policy's delay and, after the queue's
 * maxReceiveCount, SQS moves them to the DLQ.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { tmpdir } from "node:os";
import { createPipelineRunner, mapRecipeSource } from "../shared/pipeline/create-pipeline-runner.ts";
import type { PipelineRunner } from "../shared/pipeline/pipeline-runner.ts";
import { bedrockProviders } from "./bedrock-providers.ts";
import { buildContainer, type ContainerOptions } from "./container.ts";
import { emfMetrics, Metric, type MetricSink } from "./metrics.ts";
import { deadLetter, processJob, type MessageFacts, type ProcessJobDeps } from "./process-job.ts";
import { jobsOfMessage, PermanentMessageError } from "./sqs-message.ts";

export type RunnerHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

export class RetryRecordError extends Error {
  override readonly name = "RetryRecordError";
}

async function processRecord(record: SQSRecord, deps: ProcessJobDeps): Promise<void> {
  const msg: MessageFacts = {
    receiptHandle: record.receiptHandle,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? "1"),
    body: record.body,
  };
  const log = deps.logger.child({ message_id: record.messageId });
  let jobs;
  try {
    jobs = jobsOfMessage(record.body, deps.config, new Date(deps.clock.now()));
  } catch (err) {
    if (!(err instanceof PermanentMessageError)) throw err;
    deps.metrics(Metric.FAILED, 1, { handler: "(none)" });
    if (!deps.dlqUrl) throw new RetryRecordError(err.message);
    await deadLetter(msg, err.message, deps);
    log.log("error", "unusable message sent to the DLQ", { error: err.message });
    deps.metrics(Metric.DEAD_LETTERED, 1, { handler: "(none)" });
    return;
  }
  deps.metrics(Metric.RECEIVED, jobs.length);
  const retries: string[] = [];
  for (const job of jobs) {
    const d = await processJob(job, msg, deps);
    if (d.kind === "retry") retries.push(`${job.id}: ${d.reason}`);
  }
  if (retries.length) throw new RetryRecordError(retries.join("; "));
}

/** Wraps the per-record work (deps built once, on first use) into an SQS handler with partial batch responses. */
export function createRunnerHandler(init: () => Promise<ProcessJobDeps>): RunnerHandler {
  let ready: Promise<ProcessJobDeps> | undefined;
  return async (event, context) => {
    const deps = await (ready ??= init().catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, (record: SQSRecord) => processRecord(record, deps), processor, {
      ...(context ? { context } : {}),
      throwOnFullBatchFailure: false,
    });
  };
}

export interface RunnerRuntimeOptions extends ContainerOptions {
  readonly metrics?: MetricSink;
  /** Replaces the pipeline built from the bundle (tests of the queue semantics). */
  readonly pipeline?: PipelineRunner;
  readonly fetch?: typeof fetch;
  /** Longest wait before a job whose concurrency key is held is offered again. @default 30 */
  readonly keyRetryDelaySeconds?: number;
}

/** Builds the runner's dependencies from the Lambda environment (what `handler` does on a cold start). */
export async function runnerFromEnvironment(opts: RunnerRuntimeOptions): Promise<ProcessJobDeps> {
  const {
    env,
    bundle,
    clock,
    logger,
    adapters: a,
    hooks,
  } = await buildContainer(opts, "evd-runner", import.meta.dirname);
  const pipeline =
    opts.pipeline ??
    createPipelineRunner(bundle.config, {
      recipes: mapRecipeSource(bundle.recipes),
      secrets: a.secrets,
      filesystemRoot: tmpdir(),
      providers: bedrockProviders(bundle.config, env, opts.connections?.bedrock),
      logger,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
  return {
    config: bundle.config,
    jobs: a.jobs,
    history: a.history,
    lastRun: a.lastRun,
    pipeline,
    hooks,
    clock,
    logger,
    leaseMs: env.leaseMs,
    leases: a.leases,
    queue: a.queue,
    sqs: a.sqs,
    queueUrl: env.queueUrl,
    ...(env.dlqUrl ? { dlqUrl: env.dlqUrl } : {}),
    ...(env.maxReceiveCount ? { maxReceiveCount: env.maxReceiveCount } : {}),
    ...(opts.keyRetryDelaySeconds !== undefined ? { keyRetryDelaySeconds: opts.keyRetryDelaySeconds } : {}),
    metrics: opts.metrics ?? emfMetrics((l) => process.stdout.write(`${l}\n`), { service: "runner" }),
  };
}

export const handler: RunnerHandler = createRunnerHandler(() => runnerFromEnvironment({ env: process.env }));
