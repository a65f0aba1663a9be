/**
 * The runner Lambda: SQS event -> each record decoded by the job-message codec -> a job runs
 * (processJob: runJob, then the shared settle), a Scheduler firing is admitted (its jobs become
 * new messages), or an approval gate's timer is checked (shared/aws/cloud-gates.ts) ->
 * `batchItemFailures` for the records kept (Powertools batch). What can never
 * succeed goes to the DLQ with the reason as a message attribute; a retry comes back after the
 * retry policy's delay (the message's visibility).
 *
 * A batch's records are processed one after another, never in parallel: the pipelines running at
 * once are then the invocations running at once, which the event source caps at
 * `max_concurrent_handlers` (run-slots.ts). Each job must stop before the invocation's deadline
 * (its remaining time minus the time to record the outcome, shared/runner/deadline.ts); a job that
 * cannot get its whole timeout after another one ran is offered again to a fresh invocation.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { tmpdir } from "node:os";
import { CloudGates } from "../shared/aws/cloud-gates.ts";
import { DynamoGateStore } from "../shared/aws/dynamo-gate-store.ts";
import { handlerMayPark } from "../shared/pipeline/approval-gate.ts";
import { createPipelineRunner, mapRecipeSource } from "../shared/pipeline/create-pipeline-runner.ts";
import type { PipelineRunner } from "../shared/pipeline/pipeline-runner.ts";
import { bedrockProviders } from "./bedrock-providers.ts";
import { buildContainer, type ContainerOptions } from "./container.ts";
import { cloudGuardrails } from "./cloud-guardrails.ts";
import { emfMetrics, Metric, type MetricSink } from "./metrics.ts";
import { decodeQueueMessage, PermanentMessageError } from "../shared/aws/job-message.ts";
import { PayloadMissingError, type PayloadRef, type S3PayloadStore } from "../shared/aws/payload-store.ts";
import type { Job } from "../shared/events/event.ts";
import { AdmissionKind, configRoute, createAdmission, type Admit } from "../shared/ingest/admit.ts";
import { needsRunSlot, RunSlot } from "../shared/aws/run-slots.ts";
import { FINISH_MARGIN_MS, jobDeadline } from "../shared/runner/deadline.ts";
import { processJob, type MessageFacts, type ProcessJobDeps } from "./process-job.ts";
import { scheduleEventOf } from "./schedule-message.ts";

export type RunnerHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

export class RetryRecordError extends Error {
  override readonly name = "RetryRecordError";
}

export interface RunnerDeps extends ProcessJobDeps {
  /** The admission of schedule firings (shared/ingest/admit.ts, over the SQS job queue). */
  readonly admit: Admit;
  /** Exports the batch's spans before the invocation returns. @default none */
  readonly flush?: () => Promise<void>;
  /** Time kept, after a job's deadline, to record its outcome. @default FINISH_MARGIN_MS (30 s) */
  readonly finishMarginMs?: number;
  /** Where the events of claim-checked messages are. */
  readonly payloads?: S3PayloadStore;
}

/** One invocation: its deadline (when Lambda gave a context) and how many jobs ran so far. */
interface Invocation {
  readonly context?: Pick<Context, "getRemainingTimeInMillis">;
  jobsRun: number;
}

/** The record's message attributes in the shape SendMessage takes (to offer the message again as it is). */
function attributesOf(record: SQSRecord): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(record.messageAttributes ?? {}).flatMap(([name, a]) =>
      a.stringValue !== undefined ? [[name, { DataType: a.dataType, StringValue: a.stringValue }]] : [],
    ),
  );
}

async function processRecord(record: SQSRecord, deps: RunnerDeps, invocation: Invocation): Promise<void> {
  const sent = Number(record.attributes?.SentTimestamp);
  const msg: MessageFacts = {
    receiptHandle: record.receiptHandle,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? "1"),
    body: record.body,
    attributes: attributesOf(record),
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: sent } : {}),
  };
  const log = deps.logger.child({ message_id: record.messageId });
  try {
    const message = decodeQueueMessage(record.body, new Date(deps.clock.now()));
    if (message.kind === "schedule") return await admitSchedule(message.schedule, message.scheduledTime, deps);
    if (message.kind === "gate_check") return await checkGate(message.jobId, message.parkedAt, deps);
    const job = message.payloadRef ? await claimChecked(message.job, message.payloadRef, deps) : message.job;
    deps.metrics(Metric.RECEIVED, 1);
    const now = deps.clock.now();
    const deadline = invocation.context
      ? jobDeadline(now, invocation.context.getRemainingTimeInMillis(), deps.finishMarginMs ?? FINISH_MARGIN_MS)
      : undefined;
    const d = await processJob(job, msg, deps, {
      ...(deadline !== undefined ? { deadline } : {}),
      mayReoffer: invocation.jobsRun > 0,
    });
    invocation.jobsRun++;
    if (d.kind === "retry") throw new RetryRecordError(`${job.id}: ${d.reason}`);
  } catch (err) {
    if (!(err instanceof PermanentMessageError)) throw err;
    deps.metrics(Metric.FAILED, 1, { handler: "(none)" });
    if (!deps.sender.dlqUrl) throw new RetryRecordError(err.message);
    await deps.sender.deadLetter(record.body, undefined, err.message);
    log.log("error", "unusable message sent to the DLQ", { error: err.message });
    deps.metrics(Metric.DEAD_LETTERED, 1, { handler: "(none)" });
  }
}

/** The job with its event read back from the payload bucket (the claim check). */
async function claimChecked(job: Job, ref: PayloadRef, deps: RunnerDeps): Promise<Job> {
  if (!deps.payloads)
    throw new PermanentMessageError(`job "${job.id}" refers to s3://${ref.bucket}/${ref.key}: no payload bucket here`);
  try {
    return { ...job, event: await deps.payloads.getEvent(ref) };
  } catch (err) {
    if (err instanceof PayloadMissingError) throw new PermanentMessageError(`job "${job.id}": ${err.message}`);
    throw err;
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

/** An approval gate's timer: it waits on (the timer is sent again), or its timeout decides by the gate's default. */
async function checkGate(jobId: string, parkedAt: number, deps: RunnerDeps): Promise<void> {
  if (!deps.gates) throw new PermanentMessageError(`gate check of job "${jobId}": this runner keeps no gates`);
  const what = await deps.gates.checkTimeout(jobId, parkedAt);
  deps.logger.child({ job_id: jobId }).log("info", `approval gate checked: ${what}`);
  deps.metrics(Metric.GATE_CHECKED, 1);
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
    const invocation: Invocation = { ...(context ? { context } : {}), jobsRun: 0 };
    try {
      return await processPartialResponse(
        event,
        (record: SQSRecord) => processRecord(record, deps, invocation),
        processor,
        {
          ...(context ? { context } : {}),
          throwOnFullBatchFailure: false,
          // One record at a time: max_concurrent_handlers counts pipelines, and the event source counts invocations.
          processInParallel: false,
        },
      );
    } finally {
      await deps.flush?.();
    }
  };
}

export interface RunnerRuntimeOptions extends ContainerOptions {
  readonly metrics?: MetricSink;
  /** Replaces the pipeline built from the bundle (tests of the queue semantics). */
  readonly pipeline?: PipelineRunner;
  readonly fetch?: typeof fetch;
  /** Longest wait before a job whose concurrency key is held is offered again. @default 30 */
  readonly keyRetryDelaySeconds?: number;
  /** Time kept, after a job's deadline, to record its outcome. @default 30000 */
  readonly finishMarginMs?: number;
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
  const recipes = mapRecipeSource(bundle.recipes);
  const pipeline =
    opts.pipeline ??
    createPipelineRunner(bundle.config, {
      recipes,
      secrets: a.secrets,
      filesystemRoot: tmpdir(),
      providers: bedrockProviders(bundle.config, env, opts.connections?.bedrock),
      logger,
      clock,
      handlerState: a.handlerState,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
  const metrics = opts.metrics ?? emfMetrics((l) => process.stdout.write(`${l}\n`), { service: "runner" });
  const guardrails = await cloudGuardrails({
    config: bundle.config,
    adapters: a,
    hooks,
    clock,
    logger,
    metrics,
    env: opts.env,
  });
  const traced = guardrails.tracer ? { tracer: guardrails.tracer } : {};
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
    admit: createAdmission({
      route: configRoute(bundle.config),
      queue: a.queue,
      hooks,
      clock,
      logger,
      guard: guardrails.guard,
      ...traced,
    }),
    ...(opts.keyRetryDelaySeconds !== undefined ? { keyRetryDelaySeconds: opts.keyRetryDelaySeconds } : {}),
    ...(opts.finishMarginMs !== undefined ? { finishMarginMs: opts.finishMarginMs } : {}),
    ...(needsRunSlot(bundle.config.max_concurrent_handlers) ? { runSlot: new RunSlot(a.leases) } : {}),
    ...(a.payloads ? { payloads: a.payloads } : {}),
    gates: new CloudGates({
      store: new DynamoGateStore({ table: a.table, retentionDays: bundle.config.event_log_retention_days }),
      sender: a.queue.sender,
      clock,
      logger,
      mayPark: handlerMayPark(bundle.config, recipes),
      ...(a.payloads ? { payloads: a.payloads } : {}),
    }),
    metrics,
    ...(guardrails.budget ? { budget: guardrails.budget } : {}),
    ...traced,
    flush: () => guardrails.flush(),
  };
}

export const handler: RunnerHandler = createRunnerHandler(() => runnerFromEnvironment({ env: process.env }));
