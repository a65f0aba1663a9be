/**
 * Validates the props of the orchestrator (and the config they carry) and resolves every default,
 * in one place, before anything is built. Problems throw OrchestratorPropsError naming where;
 * choices the construct makes instead of what was asked become synth-time warnings.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Annotations, Duration, Stack } from "aws-cdk-lib";
import * as logs from "aws-cdk-lib/aws-logs";
import type { IConstruct } from "constructs";
import { CloudConfig } from "../shared/config/schema.ts";
import {
  eventSourceConcurrency,
  MAX_EVENT_SOURCE_CONCURRENCY,
  MIN_EVENT_SOURCE_CONCURRENCY,
  needsRunSlot,
  runnerTimeoutIssues,
} from "./contracts.ts";
import { planDeployment, type DeploymentPlan } from "./deployment-plan.ts";
import type { ScheduleRetry } from "./constructs/cron-schedules.ts";
import { SecretMode } from "./constructs/orchestrator-secrets.ts";
import type { ApiThrottle } from "./constructs/webhook-api.ts";
import { OrchestratorPropsError } from "./errors.ts";
import type { EventDrivenOrchestratorProps } from "./orchestrator-props.ts";

export { MAX_EVENT_SOURCE_CONCURRENCY, MIN_EVENT_SOURCE_CONCURRENCY } from "./contracts.ts";
/** How long GitHub waits for a delivery's answer. */
const GITHUB_WAIT_SECONDS = 10;
/**
 * The ingest Lambda's timeout: well under GitHub's 10 s, with its AWS calls' own short timeouts
 * (shared/aws/aws-connection.ts INGEST_SDK_TIMEOUTS) inside it.
 */
export const DEFAULT_INGEST_TIMEOUT_SECONDS = 6;
/** SQS's ceiling for a visibility timeout. */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/** The resolved settings: every default applied, in one place. */
export interface Settings {
  readonly plan: DeploymentPlan;
  readonly runnerTimeout: Duration;
  readonly visibilityTimeout: Duration;
  readonly batchSize: number;
  /** The event source's maxConcurrency: max_concurrent_handlers within AWS's 2-1000 (the runner's run slot covers 1). */
  readonly maxConcurrency: number;
  readonly maxReceiveCount: number;
  readonly secretNames: Readonly<Record<string, string>>;
  readonly secretMode: SecretMode;
  readonly secretNamePrefix: string;
  readonly logRetention: logs.RetentionDays;
  readonly ingestTimeout: Duration;
  readonly ingestMemoryMiB: number;
  readonly runnerMemoryMiB: number;
  readonly apiThrottle: Required<ApiThrottle>;
  readonly scheduleGroupName: string;
  readonly scheduleRetry: Required<ScheduleRetry>;
  readonly maxQueueAge: Duration;
  readonly bundleAwsSdk: boolean;
  readonly functionsDir: string;
  readonly projectRoot: string;
  readonly outputPrefix: string;
}

/** This package's root: the default project root and home of the default `functions/`. */
const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));

export function resolveSettings(scope: IConstruct, props: EventDrivenOrchestratorProps): Settings {
  const { config } = props;
  const stack = Stack.of(scope);
  const plan = planDeployment(config);
  const cloud = CloudConfig.parse(config.cloud ?? {});
  const runnerTimeout = Duration.seconds(cloud.runner_timeout_seconds);
  const visibilitySeconds = 6 * cloud.runner_timeout_seconds;
  if (visibilitySeconds > MAX_VISIBILITY_SECONDS) {
    throw new OrchestratorPropsError(
      "config.cloud.runner_timeout_seconds",
      `6 x ${cloud.runner_timeout_seconds} s exceeds SQS's 12-hour visibility timeout`,
    );
  }
  checkRange("props.ingestMemoryMiB", props.ingestMemoryMiB, 128, 10240);
  checkRange("props.runnerMemoryMiB", props.runnerMemoryMiB, 128, 10240);
  if (
    props.ingestTimeout !== undefined &&
    (props.ingestTimeout.toSeconds() < 1 || props.ingestTimeout.toSeconds() > 29)
  ) {
    throw new OrchestratorPropsError(
      "props.ingestTimeout",
      "must be 1-29 seconds (API Gateway waits at most 30 s; GitHub 10 s)",
    );
  }
  if (props.ingestTimeout !== undefined && props.ingestTimeout.toSeconds() > GITHUB_WAIT_SECONDS - 1) {
    Annotations.of(scope).addWarningV2(
      "evd:ingestTimeoutAboveGithub",
      `props.ingestTimeout is ${props.ingestTimeout.toSeconds()} s: GitHub gives up on a delivery after ${GITHUB_WAIT_SECONDS} s, so a slow ingest answers nobody; keep it well under (default ${DEFAULT_INGEST_TIMEOUT_SECONDS} s).`,
    );
  }
  checkRange("props.apiThrottle.rateLimit", props.apiThrottle?.rateLimit, 1, 10000);
  checkRange("props.apiThrottle.burstLimit", props.apiThrottle?.burstLimit, 1, 5000);

  const maxConcurrency = eventSourceConcurrency(config.max_concurrent_handlers);
  if (needsRunSlot(config.max_concurrent_handlers)) {
    Annotations.of(scope).addWarningV2(
      "evd:maxConcurrencyBelowMinimum",
      `max_concurrent_handlers is ${config.max_concurrent_handlers}, below the SQS event source minimum maxConcurrency of ${MIN_EVENT_SOURCE_CONCURRENCY}: ` +
        `the event source may run ${maxConcurrency} invocations at once, and the runner holds a single run slot in the table so that ` +
        `${config.max_concurrent_handlers} pipeline runs at a time; a job that finds the slot taken is offered again after a delay (not counted as an attempt).`,
    );
  } else if (config.max_concurrent_handlers > MAX_EVENT_SOURCE_CONCURRENCY) {
    Annotations.of(scope).addWarningV2(
      "evd:maxConcurrencyAboveMaximum",
      `max_concurrent_handlers is ${config.max_concurrent_handlers}; the SQS event source allows at most ${MAX_EVENT_SOURCE_CONCURRENCY}: using ${MAX_EVENT_SOURCE_CONCURRENCY}.`,
    );
  }
  const timeouts = runnerTimeoutIssues(config);
  if (timeouts.length > 0) {
    throw new OrchestratorPropsError(`config.${timeouts[0]!.path}`, timeouts.map((t) => t.message).join("; "));
  }
  if (config.hooks.length > 0) {
    Annotations.of(scope).addWarningV2(
      "evd:hooksNotDeployed",
      `the config lists ${config.hooks.length} hook module(s): the Lambda functions do not load hook modules (lifecycle events are logged only); they run in the daemon.`,
    );
  }
  for (const path of plan.literalSecrets) {
    Annotations.of(scope).addWarningV2(
      "evd:literalSecret",
      `config.${path} holds a literal value: it ships inside the function bundle. Write \${NAME} to keep it in Secrets Manager.`,
    );
  }
  return {
    plan,
    runnerTimeout,
    visibilityTimeout: Duration.seconds(visibilitySeconds),
    batchSize: cloud.batch_size,
    maxConcurrency,
    maxReceiveCount: config.retry.max_attempts,
    secretNames: cloud.secrets,
    secretMode: props.secretMode ?? SecretMode.CREATE,
    secretNamePrefix: props.secretNamePrefix ?? `${stack.stackName}/`,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    ingestTimeout: props.ingestTimeout ?? Duration.seconds(DEFAULT_INGEST_TIMEOUT_SECONDS),
    ingestMemoryMiB: props.ingestMemoryMiB ?? 256,
    runnerMemoryMiB: props.runnerMemoryMiB ?? 1024,
    apiThrottle: {
      rateLimit: props.apiThrottle?.rateLimit ?? cloud.api_rate_limit,
      burstLimit: props.apiThrottle?.burstLimit ?? cloud.api_burst_limit,
    },
    scheduleGroupName: props.scheduleGroupName ?? stack.stackName.slice(0, 64),
    scheduleRetry: {
      retryAttempts: props.scheduleRetry?.retryAttempts ?? 5,
      maxEventAge: props.scheduleRetry?.maxEventAge ?? Duration.hours(1),
    },
    maxQueueAge: props.maxQueueAge ?? Duration.seconds(Math.max(15 * 60, 2 * runnerTimeout.toSeconds())),
    bundleAwsSdk: props.bundleAwsSdk ?? false,
    functionsDir: props.functionsDir ?? join(PACKAGE_ROOT, "functions"),
    projectRoot: props.projectRoot ?? PACKAGE_ROOT,
    outputPrefix: props.outputPrefix ?? "",
  };
}

function checkRange(where: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
    throw new OrchestratorPropsError(where, `must be an integer from ${min} to ${max}; got ${value}`);
  }
}
