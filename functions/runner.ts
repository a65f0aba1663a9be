/**
 * The runner Lambda: SQS event -> each record decoded by the job-message codec -> a job runs
 * (processJob: runJob, then the shared settle) or a Scheduler firing is admitted (its jobs become
 * new messages) -> `batchItemFailures` for the records kept (Powertools batch). What can never
 * succeed goes to the DLQ with the reason as a message attribute; a retry comes back after the
 * retry policy's delay (the message's visibility).
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { tmpdir } from "node:os";
import { createPipelineRunner, mapRecipeSource } from "../shared/pipeline/create-pipeline-runner.ts";
import type { PipelineRunner } from "../shared/pipeline/pipeline-runner.ts";
import { bedrockProviders } from "./bedrock-providers.ts";
import { buildContainer, type ContainerOptions } from "./container.ts";
import { emfMetrics, Metric, type MetricSink } from "./metrics.ts";
import { decodeQueueMessage, PermanentMessageError } from "../shared/aws/job-message.ts";
import { AdmissionKind, configRoute, createAdmission, type Admit } from "../shared/ingest/admit.ts";
import { processJob, type MessageFacts, type ProcessJobDeps } from "./process-job.ts";
import { scheduleEventOf } from "./schedule-message.ts";

export type RunnerHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

export class RetryRecordError extends Error {
  override readonly name = "RetryRecordError";
}

export interface RunnerDeps extends ProcessJobDeps {
  /** The admission of schedule firings (shared/ingest/admit.ts, over the SQS job queue). */
  readonly admit: Admit;
}

async function processRecord(record: SQSRecord, deps: RunnerDeps): Promise<void> {
  const sent = Number(record.attributes?.SentTimestamp);
  const msg: MessageFacts = {
    receiptHandle: record.receiptHandle,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? "1"),
    body: record.body,
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: sent } : {}),
  };
  const log = deps.logger.child({ message_id: record.messageId });
  try {
    const message = decodeQueueMessage(record.body, new Date(deps.clock.now()));
    if (message.kind === "schedule") return await admitSchedule(message.schedule, message.scheduledTime, deps);
    deps.metrics(Metric.RECEIVED, 1);
    const d = await processJob(message.job, msg, deps);
    if (d.kind === "retry") throw new RetryRecordError(`${message.job.id}: ${d.reason}`);
  } catch (err) {
    if (!(err instanceof PermanentMessageError)) throw err;
    deps.metrics(Metric.FAILED, 1, { handler: "(none)" });
    if (!deps.sender.dlqUrl) throw new RetryRecordError(err.message);
    await deps.sender.deadLetter(record.body, undefined, err.message);
    log.log("error", "unusable message sent to the DLQ", { error: err.message });
    deps.metrics(Metric.DEAD_LETTERED, 1, { handler: "(none)" });
  }
}

/** A Scheduler firing: admitted as the schedule's event (its jobs are new messages); the firing is then done. */
async function admitSchedule(schedule: string, scheduledTime: Date, deps: RunnerDeps): Promise<void> {
  const outcome = await deps.admit(scheduleEventOf(schedule, scheduledTime, deps.config));
  switch (outcome.kind) {
    case AdmissionKind.ACCEPTED:
      deps.metrics(Metric.ENQUEUED, outcome.jobIds.length);
      return;
    case AdmissionKind.DUPLICATE:
      deps.metrics(Metric.DUPLICATE, 1);
      return;
    case AdmissionKind.DROPPED:
    case AdmissionKind.SKIPPED:
      return;
    case AdmissionKind.IGNORED:
      throw new PermanentMessageError(`schedule "${schedule}" routes to no handler (disabled?)`);
    case AdmissionKind.REJECTED:
      throw new RetryRecordError(`schedule "${schedule}": ${outcome.reason}`);
    case AdmissionKind.UNAVAILABLE:
      throw new RetryRecordError(`schedule "${schedule}": ${outcome.error}`);
  }
}

/** Wraps the per-record work (deps built once, on first use) into an SQS handler with partial batch responses. */
export function createRunnerHandler(init: () => Promise<RunnerDeps>): RunnerHandler {
  let ready: Promise<RunnerDeps> | undefined;
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
export async function runnerFromEnvironment(opts: RunnerRuntimeOptions): Promise<RunnerDeps> {
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
      clock,
      handlerState: a.handlerState,
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
    sender: a.queue.sender,
    admit: createAdmission({ route: configRoute(bundle.config), queue: a.queue, hooks, clock, logger }),
    ...(opts.keyRetryDelaySeconds !== undefined ? { keyRetryDelaySeconds: opts.keyRetryDelaySeconds } : {}),
    metrics: opts.metrics ?? emfMetrics((l) => process.stdout.write(`${l}\n`), { service: "runner" }),
  };
}

export const handler: RunnerHandler = createRunnerHandler(() => runnerFromEnvironment({ env: process.env }));
