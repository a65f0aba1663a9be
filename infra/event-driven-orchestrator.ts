/**
 * `EventDrivenOrchestrator`: the whole cloud path of loop-event-driven from one orchestrator
 * config, as a reusable L3 construct. Validate (the config and the props, before anything is
 * built), then build (queues, table, secrets, functions, API, schedules, monitoring), then wire
 * (event source, grants, outputs).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Annotations, Aws, CfnOutput, Duration, type RemovalPolicy, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { CloudConfig, type OrchestratorConfig } from "../shared/config/schema.ts";
import type { DeployBundle } from "./contracts.ts";
import { CronSchedules, type ScheduleRetry } from "./constructs/cron-schedules.ts";
import { JobQueues } from "./constructs/job-queues.ts";
import { BUNDLE_FILE_NAME, BUNDLE_PATH_IN_LAMBDA, OrchestratorFunction } from "./constructs/orchestrator-function.ts";
import { OrchestratorMonitoring } from "./constructs/orchestrator-monitoring.ts";
import { OrchestratorSecrets, SecretMode } from "./constructs/orchestrator-secrets.ts";
import { StateTable } from "./constructs/state-table.ts";
import { type ApiThrottle, WebhookApi } from "./constructs/webhook-api.ts";
import { planDeployment, type BedrockModel, type DeploymentPlan } from "./deployment-plan.ts";
import { OrchestratorPropsError } from "./errors.ts";
import { acknowledgeWildcardResource } from "./nag-findings.ts";
import { INGEST_KEY_PREFIXES, TABLE_KEYS } from "./table-keys.ts";

export { SecretMode } from "./constructs/orchestrator-secrets.ts";
export type { ApiThrottle } from "./constructs/webhook-api.ts";
export type { ScheduleRetry } from "./constructs/cron-schedules.ts";

/** AWS's floor for an SQS event source's `maxConcurrency`. */
export const MIN_EVENT_SOURCE_CONCURRENCY = 2;
/** AWS's ceiling for an SQS event source's `maxConcurrency`. */
export const MAX_EVENT_SOURCE_CONCURRENCY = 1000;
/** SQS's ceiling for a visibility timeout. */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface EventDrivenOrchestratorProps {
  /** The orchestrator config, parsed (defaults applied). */
  readonly config: OrchestratorConfig;
  /** What goes into `evd-bundle.json` next to each handler: the config as loaded and its recipes. */
  readonly deployBundle: DeployBundle;
  /**
   * Create the Secrets Manager secrets the config references (placeholder values) or import
   * existing ones by name. References mapped to `ssm:/path` in `cloud.secrets` are always imported.
   * @default SecretMode.CREATE
   */
  readonly secretMode?: SecretMode;
  /**
   * Name prefix of a secret the config's `cloud.secrets` does not name: `<prefix><REFERENCE>`.
   * @default "<stack name>/"
   */
  readonly secretNamePrefix?: string;
  /** @default - the alarms have no action */
  readonly alarmTopic?: sns.ITopic;
  /** @default { rateLimit: 50, burstLimit: 100 } */
  readonly apiThrottle?: ApiThrottle;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default 256 */
  readonly ingestMemoryMiB?: number;
  /**
   * Ingest answers webhook senders (GitHub gives up after 10 s).
   * @default Duration.seconds(10)
   */
  readonly ingestTimeout?: Duration;
  /** @default 1024 */
  readonly runnerMemoryMiB?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /** @default the stack name (cut to 64 characters) */
  readonly scheduleGroupName?: string;
  /** @default { retryAttempts: 5, maxEventAge: Duration.hours(1) } */
  readonly scheduleRetry?: ScheduleRetry;
  /** @default the larger of 15 minutes and twice the runner timeout */
  readonly maxQueueAge?: Duration;
  /**
   * Bundle the AWS SDK into each function, so it runs exactly the SDK versions of package-lock.json
   * (the ones the integration tests ran). `false` uses the SDK of the Lambda runtime instead:
   * smaller bundles (about 0.4 MB less each), versions chosen by AWS.
   * @default true
   */
  readonly bundleAwsSdk?: boolean;
  /**
   * Folder with the handler entries `ingest.ts` and `runner.ts`.
   * @default this package's `functions/`
   */
  readonly functionsDir?: string;
  /**
   * Folder with package.json, package-lock.json and node_modules, where esbuild runs.
   * @default this package's root
   */
  readonly projectRoot?: string;
  /**
   * Prefix of the stack output keys (two orchestrators in one stack need different ones).
   * @default ""
   */
  readonly outputPrefix?: string;
}

/** The resolved settings: every default applied, in one place. */
interface Settings {
  readonly plan: DeploymentPlan;
  readonly runnerTimeout: Duration;
  readonly visibilityTimeout: Duration;
  readonly batchSize: number;
  /** `undefined` when the config asks for fewer than AWS's minimum: reserved concurrency instead. */
  readonly maxConcurrency: number | undefined;
  readonly reservedConcurrency: number | undefined;
  readonly maxReceiveCount: number;
  readonly secretNames: Readonly<Record<string, string>>;
}

export class EventDrivenOrchestrator extends Construct {
  readonly queues: JobQueues;
  readonly stateTable: StateTable;
  readonly secrets: OrchestratorSecrets;
  readonly ingest: OrchestratorFunction;
  readonly runner: OrchestratorFunction;
  /** Absent when the config has no HTTP source. */
  readonly api: WebhookApi | undefined;
  readonly schedules: CronSchedules;
  readonly monitoring: OrchestratorMonitoring;
  readonly plan: DeploymentPlan;

  constructor(scope: Construct, id: string, props: EventDrivenOrchestratorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // ---- validate ----
    const settings = this.validate(props);
    this.plan = settings.plan;

    // ---- build ----
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.queues = new JobQueues(this, "Queues", { visibilityTimeout: settings.visibilityTimeout, maxReceiveCount: settings.maxReceiveCount });
    this.stateTable = new StateTable(this, "State", props.tableRemovalPolicy === undefined ? {} : { removalPolicy: props.tableRemovalPolicy });
    this.secrets = new OrchestratorSecrets(this, "Secrets", {
      references: settings.plan.secrets,
      names: settings.secretNames,
      mode: props.secretMode ?? SecretMode.CREATE,
      namePrefix: props.secretNamePrefix ?? `${stack.stackName}/`,
    });
    const environment = {
      EVD_TABLE_NAME: this.stateTable.table.tableName,
      EVD_QUEUE_URL: this.queues.queue.queueUrl,
      EVD_DLQ_URL: this.queues.deadLetterQueue.queueUrl,
      EVD_BUNDLE_PATH: BUNDLE_PATH_IN_LAMBDA,
      EVD_SECRETS: this.secrets.environmentValue(),
      EVD_LEASE_MS: String(settings.runnerTimeout.toMilliseconds()),
      EVD_MAX_RECEIVE_COUNT: String(settings.maxReceiveCount),
    };
    const functionsDir = props.functionsDir ?? join(PACKAGE_ROOT, "functions");
    const projectRoot = props.projectRoot ?? PACKAGE_ROOT;
    const stagedBundleFile = lazyStagedBundle(props.deployBundle);
    const bundleAwsSdk = props.bundleAwsSdk ?? true;
    this.ingest = new OrchestratorFunction(this, "Ingest", {
      entry: join(functionsDir, "ingest.ts"),
      projectRoot,
      description: "loop-event-driven ingest: verify, normalize, route, enqueue",
      timeout: props.ingestTimeout ?? Duration.seconds(10),
      memorySize: props.ingestMemoryMiB ?? 256,
      environment: { ...environment, POWERTOOLS_SERVICE_NAME: "evd-ingest" },
      stagedBundleFile,
      bundleAwsSdk,
      logRetention,
    });
    this.runner = new OrchestratorFunction(this, "Runner", {
      entry: join(functionsDir, "runner.ts"),
      projectRoot,
      description: "loop-event-driven runner: claim a job, run its pipeline, record the result",
      timeout: settings.runnerTimeout,
      memorySize: props.runnerMemoryMiB ?? 1024,
      environment: { ...environment, POWERTOOLS_SERVICE_NAME: "evd-runner" },
      stagedBundleFile,
      bundleAwsSdk,
      logRetention,
      ...(settings.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: settings.reservedConcurrency }),
    });
    this.api = settings.plan.routes.length === 0 ? undefined : new WebhookApi(this, "Webhooks", {
      routes: settings.plan.routes,
      ingest: this.ingest.function,
      throttle: { rateLimit: props.apiThrottle?.rateLimit ?? 50, burstLimit: props.apiThrottle?.burstLimit ?? 100 },
      logRetention,
    });
    this.schedules = new CronSchedules(this, "Schedules", {
      schedules: settings.plan.schedules,
      queue: this.queues.queue,
      deadLetterQueue: this.queues.deadLetterQueue,
      groupName: props.scheduleGroupName ?? stack.stackName.slice(0, 64),
      retry: { retryAttempts: props.scheduleRetry?.retryAttempts ?? 5, maxEventAge: props.scheduleRetry?.maxEventAge ?? Duration.hours(1) },
    });
    this.monitoring = new OrchestratorMonitoring(this, "Monitoring", {
      queue: this.queues.queue,
      deadLetterQueue: this.queues.deadLetterQueue,
      runner: this.runner.function,
      ingest: this.ingest.function,
      maxQueueAge: props.maxQueueAge ?? Duration.seconds(Math.max(15 * 60, 2 * settings.runnerTimeout.toSeconds())),
      dashboardName: stack.stackName,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
    });

    // ---- wire ----
    this.runner.function.addEventSource(new SqsEventSource(this.queues.queue, {
      batchSize: settings.batchSize,
      reportBatchItemFailures: true,
      ...(settings.maxConcurrency === undefined ? {} : { maxConcurrency: settings.maxConcurrency }),
    }));
    this.grantIngest();
    this.grantRunner(settings.plan.bedrockModels);
    this.addOutputs(props.outputPrefix ?? "");
  }

  private validate(props: EventDrivenOrchestratorProps): Settings {
    const { config } = props;
    const plan = planDeployment(config);
    const cloud = CloudConfig.parse(config.cloud ?? {});
    const runnerTimeout = Duration.seconds(cloud.runner_timeout_seconds);
    const visibilitySeconds = 6 * cloud.runner_timeout_seconds;
    if (visibilitySeconds > MAX_VISIBILITY_SECONDS) {
      throw new OrchestratorPropsError("config.cloud.runner_timeout_seconds", `6 x ${cloud.runner_timeout_seconds} s exceeds SQS's 12-hour visibility timeout`);
    }
    checkRange("props.ingestMemoryMiB", props.ingestMemoryMiB, 128, 10240);
    checkRange("props.runnerMemoryMiB", props.runnerMemoryMiB, 128, 10240);
    if (props.ingestTimeout !== undefined && (props.ingestTimeout.toSeconds() < 1 || props.ingestTimeout.toSeconds() > 29)) {
      throw new OrchestratorPropsError("props.ingestTimeout", "must be 1-29 seconds (API Gateway waits at most 30 s; GitHub 10 s)");
    }
    checkRange("props.apiThrottle.rateLimit", props.apiThrottle?.rateLimit, 1, 10000);
    checkRange("props.apiThrottle.burstLimit", props.apiThrottle?.burstLimit, 1, 5000);

    let maxConcurrency: number | undefined = config.max_concurrent_handlers;
    let reservedConcurrency: number | undefined;
    if (maxConcurrency < MIN_EVENT_SOURCE_CONCURRENCY) {
      Annotations.of(this).addWarningV2("evd:maxConcurrencyBelowMinimum",
        `max_concurrent_handlers is ${config.max_concurrent_handlers}, below the SQS event source minimum maxConcurrency of ${MIN_EVENT_SOURCE_CONCURRENCY}: ` +
        `the runner gets reserved concurrency ${config.max_concurrent_handlers} instead (one run at a time). Lambda may still poll more batches than it can run; ` +
        `throttled batches return to the queue and count as receives, so keep retry.max_attempts >= 5 (it is ${config.retry.max_attempts}).`);
      reservedConcurrency = maxConcurrency;
      maxConcurrency = undefined;
    } else if (maxConcurrency > MAX_EVENT_SOURCE_CONCURRENCY) {
      Annotations.of(this).addWarningV2("evd:maxConcurrencyAboveMaximum",
        `max_concurrent_handlers is ${config.max_concurrent_handlers}; the SQS event source allows at most ${MAX_EVENT_SOURCE_CONCURRENCY}: using ${MAX_EVENT_SOURCE_CONCURRENCY}.`);
      maxConcurrency = MAX_EVENT_SOURCE_CONCURRENCY;
    }
    for (const [name, handler] of Object.entries(config.handlers)) {
      if (handler.timeout_ms > runnerTimeout.toMilliseconds()) {
        Annotations.of(this).addWarningV2("evd:handlerTimeoutAboveRunner",
          `handlers.${name}.timeout_ms is ${handler.timeout_ms} but the runner Lambda stops after ${cloud.runner_timeout_seconds} s: ` +
          `raise cloud.runner_timeout_seconds (at most 900) or lower the handler's timeout.`);
      }
    }
    for (const path of plan.literalSecrets) {
      Annotations.of(this).addWarningV2("evd:literalSecret",
        `config.${path} holds a literal value: it ships inside the function bundle. Write \${NAME} to keep it in Secrets Manager.`);
    }
    return {
      plan,
      runnerTimeout,
      visibilityTimeout: Duration.seconds(visibilitySeconds),
      batchSize: cloud.batch_size,
      maxConcurrency,
      reservedConcurrency,
      maxReceiveCount: config.retry.max_attempts,
      secretNames: cloud.secrets,
    };
  }

  /** Ingest: send jobs to the queue, read/write the event-log (dedupe) items, read its secrets. Nothing else. */
  private grantIngest(): void {
    const role = this.ingest.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: "EnqueueJobs",
      actions: ["sqs:SendMessage"],
      resources: [this.queues.queue.queueArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: "EventLogItems",
      actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      resources: [this.stateTable.table.tableArn],
      conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": INGEST_KEY_PREFIXES.map((p) => `${p}*`) } },
    }));
    this.secrets.grantRead(role);
  }

  /**
   * Runner: the items of its table and its history index, consume the queue (granted by the event
   * source), send to the queue (a job deferred while its concurrency key is held) and to the DLQ
   * (permanent failures), its secrets, its Bedrock models.
   */
  private grantRunner(models: readonly BedrockModel[]): void {
    const role = this.runner.role;
    const table = this.stateTable.table;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: "StateItems",
      actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:Query"],
      resources: [table.tableArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: "HistoryIndex",
      actions: ["dynamodb:Query"],
      resources: [`${table.tableArn}/index/${TABLE_KEYS.gsi1.indexName}`],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: "RequeueDeferredJobs",
      actions: ["sqs:SendMessage"],
      resources: [this.queues.queue.queueArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: "DeadLetterPermanentFailures",
      actions: ["sqs:SendMessage"],
      resources: [this.queues.deadLetterQueue.queueArn],
    }));
    this.secrets.grantRead(role);
    if (models.length > 0) {
      const resources = models.flatMap((m) => bedrockModelArns(m));
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: "InvokeConfiguredModels", actions: ["bedrock:InvokeModel"], resources }));
      for (const arn of resources.filter((r) => r.includes(":bedrock:*::"))) {
        acknowledgeWildcardResource(role, arn,
          "A cross-region inference profile serves each request from one of its regions' copies of the model: the region is the only wildcard, the model id is exact.");
      }
    }
  }

  private addOutputs(prefix: string): void {
    const outputs = new Construct(this, "Outputs");
    const output = (key: string, value: string, description: string): void => {
      new CfnOutput(outputs, key, { value, description }).overrideLogicalId(`${prefix}${key}`);
    };
    if (this.api) output("ApiUrl", this.api.url, "Base URL of the webhook API: point GitHub at <ApiUrl><source path>");
    output("QueueUrl", this.queues.queue.queueUrl, "Job queue");
    output("QueueArn", this.queues.queue.queueArn, "Job queue ARN");
    output("DlqUrl", this.queues.deadLetterQueue.queueUrl, "Dead-letter queue");
    output("DlqArn", this.queues.deadLetterQueue.queueArn, "Dead-letter queue ARN (redrive source)");
    output("TableName", this.stateTable.table.tableName, "State table (event log, jobs, last-run, history)");
    output("ScheduleGroup", this.schedules.group.scheduleGroupName, "EventBridge Scheduler group of the schedules");
    output("ScheduleNames", this.plan.schedules.map((s) => s.name).join(",") || "-", "Schedule names, comma-separated");
    output("RunnerFunctionName", this.runner.function.functionName, "Runner Lambda");
    output("IngestFunctionName", this.ingest.function.functionName, "Ingest Lambda");
    output("Secrets", Stack.of(this).toJsonString(this.secrets.locators), "Secret reference -> secret ARN/name to set (put-secret-value)");
    output("DashboardName", this.monitoring.dashboard.dashboardName, "CloudWatch dashboard");
  }
}

function checkRange(where: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
    throw new OrchestratorPropsError(where, `must be an integer from ${min} to ${max}; got ${value}`);
  }
}

/** Cross-region inference profile ids start with a geography (`us.`, `eu.`, `global.`...). */
const INFERENCE_PROFILE = /^(us|us-gov|eu|apac|jp|au|ca|global)\.(.+)$/;

/** The ARNs `bedrock:InvokeModel` needs for one model id (a foundation model, an inference profile, or an ARN). */
function bedrockModelArns(model: BedrockModel): string[] {
  if (model.modelId.startsWith("arn:")) return [model.modelId];
  const region = model.region ?? Aws.REGION;
  const profile = INFERENCE_PROFILE.exec(model.modelId);
  if (profile) {
    return [
      `arn:${Aws.PARTITION}:bedrock:${region}:${Aws.ACCOUNT_ID}:inference-profile/${model.modelId}`,
      // The profile routes each request to one of its regions' copies of the model.
      `arn:${Aws.PARTITION}:bedrock:*::foundation-model/${profile[2]}`,
    ];
  }
  return [`arn:${Aws.PARTITION}:bedrock:${region}::foundation-model/${model.modelId}`];
}

/** Writes the deploy bundle to a temp file the first time bundling asks for it. */
function lazyStagedBundle(bundle: DeployBundle): () => string {
  let path: string | undefined;
  return () => {
    if (path === undefined) {
      path = join(mkdtempSync(join(tmpdir(), "evd-bundle-")), BUNDLE_FILE_NAME);
      writeFileSync(path, `${JSON.stringify(bundle)}\n`);
    }
    return path;
  };
}
