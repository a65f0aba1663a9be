/**
 * `EventDrivenOrchestrator`: the whole cloud path of loop-event-driven from one orchestrator
 * config, as a reusable L3 construct. Validate (the config and the props, before anything is
 * built), then build (queues, table, secrets, functions, API, schedules, monitoring), then wire
 * (event source, grants, outputs).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CfnOutput, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Construct } from "constructs";
import { bedrockModelArns } from "./bedrock-model-arns.ts";
import type { DeployBundle } from "./contracts.ts";
import { ClientPolicies } from "./constructs/client-policies.ts";
import { CronSchedules } from "./constructs/cron-schedules.ts";
import { JobQueues } from "./constructs/job-queues.ts";
import { BUNDLE_FILE_NAME, BUNDLE_PATH_IN_LAMBDA, OrchestratorFunction } from "./constructs/orchestrator-function.ts";
import { OrchestratorMonitoring } from "./constructs/orchestrator-monitoring.ts";
import { OrchestratorSecrets } from "./constructs/orchestrator-secrets.ts";
import { PayloadBucket } from "./constructs/payload-bucket.ts";
import { StateTable } from "./constructs/state-table.ts";
import { WebhookApi } from "./constructs/webhook-api.ts";
import { SecretReader, type BedrockModel, type DeploymentPlan } from "./deployment-plan.ts";
import { acknowledgeWildcardResource } from "./nag-findings.ts";
import type { EventDrivenOrchestratorProps } from "./orchestrator-props.ts";
import { resolveSettings } from "./orchestrator-settings.ts";
import { INGEST_KEY_PREFIXES } from "./table-keys.ts";

export { SecretMode } from "./constructs/orchestrator-secrets.ts";
export type { ApiThrottle } from "./constructs/webhook-api.ts";
export type { ScheduleRetry } from "./constructs/cron-schedules.ts";
export type { EventDrivenOrchestratorProps } from "./orchestrator-props.ts";
export { MAX_EVENT_SOURCE_CONCURRENCY, MIN_EVENT_SOURCE_CONCURRENCY } from "./orchestrator-settings.ts";

export class EventDrivenOrchestrator extends Construct {
  readonly queues: JobQueues;
  readonly stateTable: StateTable;
  /** The claim-check bucket of events too large for an item or a message. */
  readonly payloads: PayloadBucket;
  readonly secrets: OrchestratorSecrets;
  readonly ingest: OrchestratorFunction;
  readonly runner: OrchestratorFunction;
  /** Absent when the config has no HTTP source. */
  readonly api: WebhookApi | undefined;
  readonly schedules: CronSchedules;
  readonly monitoring: OrchestratorMonitoring;
  /** The least privilege of `evd cloud` (operator) and `evd bridge`, to attach to their users. */
  readonly clientPolicies: ClientPolicies;
  readonly plan: DeploymentPlan;

  constructor(scope: Construct, id: string, props: EventDrivenOrchestratorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // ---- validate ----
    const settings = resolveSettings(this, props);
    this.plan = settings.plan;

    // ---- build ----
    const logRetention = settings.logRetention;
    this.queues = new JobQueues(this, "Queues", {
      visibilityTimeout: settings.visibilityTimeout,
      maxReceiveCount: settings.maxReceiveCount,
    });
    this.stateTable = new StateTable(
      this,
      "State",
      props.tableRemovalPolicy === undefined ? {} : { removalPolicy: props.tableRemovalPolicy },
    );
    // Its objects must outlive every reference: the event log's items and a job in the DLQ (14 days).
    this.payloads = new PayloadBucket(this, "Payloads", {
      retentionDays: Math.max(props.config.event_log_retention_days, 14),
    });
    this.secrets = new OrchestratorSecrets(this, "Secrets", {
      references: settings.plan.secrets,
      names: settings.secretNames,
      mode: settings.secretMode,
      namePrefix: settings.secretNamePrefix,
    });
    const environment = {
      EVD_TABLE_NAME: this.stateTable.table.tableName,
      EVD_QUEUE_URL: this.queues.queue.queueUrl,
      EVD_DLQ_URL: this.queues.deadLetterQueue.queueUrl,
      EVD_BUNDLE_PATH: BUNDLE_PATH_IN_LAMBDA,
      EVD_LEASE_MS: String(settings.runnerTimeout.toMilliseconds()),
      EVD_MAX_RECEIVE_COUNT: String(settings.maxReceiveCount),
      EVD_PAYLOAD_BUCKET: this.payloads.bucket.bucketName,
    };
    const { functionsDir, projectRoot, bundleAwsSdk } = settings;
    const stagedBundleFile = lazyStagedBundle(props.deployBundle);
    const activeTracing = props.config.tracing?.xray === true;
    this.ingest = new OrchestratorFunction(this, "Ingest", {
      entry: join(functionsDir, "ingest.ts"),
      projectRoot,
      description: "loop-event-driven ingest: verify, normalize, route, enqueue",
      timeout: settings.ingestTimeout,
      memorySize: settings.ingestMemoryMiB,
      environment: {
        ...environment,
        EVD_SECRETS: this.secrets.environmentValue(SecretReader.INGEST),
        POWERTOOLS_SERVICE_NAME: "evd-ingest",
      },
      stagedBundleFile,
      bundleAwsSdk,
      logRetention,
      activeTracing,
    });
    this.runner = new OrchestratorFunction(this, "Runner", {
      entry: join(functionsDir, "runner.ts"),
      projectRoot,
      description: "loop-event-driven runner: claim a job, run its pipeline, record the result",
      timeout: settings.runnerTimeout,
      memorySize: settings.runnerMemoryMiB,
      environment: {
        ...environment,
        EVD_SECRETS: this.secrets.environmentValue(SecretReader.RUNNER),
        POWERTOOLS_SERVICE_NAME: "evd-runner",
      },
      stagedBundleFile,
      bundleAwsSdk,
      logRetention,
      activeTracing,
    });
    this.api =
      settings.plan.routes.length === 0
        ? undefined
        : new WebhookApi(this, "Webhooks", {
            routes: settings.plan.routes,
            ingest: this.ingest.function,
            throttle: settings.apiThrottle,
            logRetention,
          });
    this.schedules = new CronSchedules(this, "Schedules", {
      schedules: settings.plan.schedules,
      queue: this.queues.queue,
      deadLetterQueue: this.queues.deadLetterQueue,
      groupName: settings.scheduleGroupName,
      retry: settings.scheduleRetry,
    });
    this.monitoring = new OrchestratorMonitoring(this, "Monitoring", {
      queue: this.queues.queue,
      deadLetterQueue: this.queues.deadLetterQueue,
      runner: this.runner.function,
      ingest: this.ingest.function,
      table: this.stateTable.table,
      ...(this.api ? { api: { api: this.api.api, accessLogGroup: this.api.accessLogGroup } } : {}),
      maxQueueAge: settings.maxQueueAge,
      // Dashboard names are global to the account: the same stack in two regions must not collide.
      dashboardName: `${stack.stackName}-${stack.region}`,
      alarmOnPausedSources: settings.plan.routes.length > 0 && props.config.guardrails?.storm?.enabled !== false,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
    });

    this.clientPolicies = new ClientPolicies(this, "ClientPolicies", {
      queue: this.queues.queue,
      deadLetterQueue: this.queues.deadLetterQueue,
      table: this.stateTable.table,
      scheduleGroupName: settings.scheduleGroupName,
      schedulerRole: this.schedules.role,
      payloadObjectsArn: this.payloads.objectsArn,
    });

    // ---- wire ----
    this.runner.function.addEventSource(
      new SqsEventSource(this.queues.queue, {
        batchSize: settings.batchSize,
        reportBatchItemFailures: true,
        // With the runner taking a batch's records one at a time, this is the pipelines running at once.
        maxConcurrency: settings.maxConcurrency,
      }),
    );
    this.grantIngest(props.config.queue_overflow !== "queue");
    this.grantRunner(settings.plan.bedrockModels);
    this.addOutputs(settings.outputPrefix);
  }

  /**
   * Ingest: send jobs to the queue (and, when `queue_overflow` is `drop` or `error`, read its depth),
   * read/write the event-log (dedupe) and concurrency-key items, read the webhook secrets. Nothing else.
   */
  private grantIngest(readsQueueDepth: boolean): void {
    const role = this.ingest.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "EnqueueJobs",
        actions: readsQueueDepth ? ["sqs:SendMessage", "sqs:GetQueueAttributes"] : ["sqs:SendMessage"],
        resources: [this.queues.queue.queueArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "EventLogItems",
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        resources: [this.stateTable.table.tableArn],
        conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": INGEST_KEY_PREFIXES.map((p) => `${p}*`) } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "StoreLargeEvents",
        actions: ["s3:PutObject"],
        resources: [this.payloads.objectsArn],
      }),
    );
    acknowledgeWildcardResource(role, this.payloads.objectsArn, CLAIM_CHECK_REASON);
    this.secrets.grantRead(role, SecretReader.INGEST);
  }

  /**
   * Runner: read and write the items of its table (job claims, leases, last runs, history, keys,
   * approval gates: a gate's timeout decides in a transaction of Put/Update items), consume the
   * queue (granted by the event source), send to the queue (a job deferred while its concurrency
   * key is held, a gate's timer, a run its gate's timeout approved) and to the DLQ (permanent
   * failures), its secrets, its Bedrock models.
   */
  private grantRunner(models: readonly BedrockModel[]): void {
    const role = this.runner.role;
    const table = this.stateTable.table;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "StateItems",
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        resources: [table.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "RequeueDeferredJobs",
        actions: ["sqs:SendMessage"],
        resources: [this.queues.queue.queueArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "DeadLetterPermanentFailures",
        actions: ["sqs:SendMessage"],
        resources: [this.queues.deadLetterQueue.queueArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "ReadLargeEvents",
        actions: ["s3:GetObject"],
        resources: [this.payloads.objectsArn],
      }),
    );
    acknowledgeWildcardResource(role, this.payloads.objectsArn, CLAIM_CHECK_REASON);
    this.secrets.grantRead(role, SecretReader.RUNNER);
    if (models.length > 0) {
      const resources = models.flatMap((m) => bedrockModelArns(m));
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: "InvokeConfiguredModels", actions: ["bedrock:InvokeModel"], resources }),
      );
      for (const arn of resources.filter((r) => r.includes(":bedrock:*::"))) {
        acknowledgeWildcardResource(
          role,
          arn,
          "A cross-region inference profile serves each request from one of its regions' copies of the model: the region is the only wildcard, the model id is exact.",
        );
      }
    }
  }

  /** The policy for `evd cloud`. */
  get operatorPolicy(): iam.ManagedPolicy {
    return this.clientPolicies.operator;
  }

  /** The policy for `evd bridge`. */
  get bridgePolicy(): iam.ManagedPolicy {
    return this.clientPolicies.bridge;
  }

  private addOutputs(prefix: string): void {
    const outputs = new Construct(this, "Outputs");
    const output = (key: string, value: string, description: string): void => {
      new CfnOutput(outputs, key, { value, description }).overrideLogicalId(`${prefix}${key}`);
    };
    if (this.api) {
      output(
        "ApiUrl",
        this.api.url,
        "Base URL of the webhook API: senders post to <ApiUrl><source path>, e.g. <ApiUrl>/github",
      );
      output(
        "WebhookUrls",
        this.plan.routes.map((r) => `${this.api!.url}${r.path}`).join(","),
        "The URL of each webhook route, comma-separated",
      );
    }
    output("QueueUrl", this.queues.queue.queueUrl, "Job queue");
    output("QueueArn", this.queues.queue.queueArn, "Job queue ARN");
    output("DlqUrl", this.queues.deadLetterQueue.queueUrl, "Dead-letter queue");
    output("DlqArn", this.queues.deadLetterQueue.queueArn, "Dead-letter queue ARN (redrive source)");
    output("TableName", this.stateTable.table.tableName, "State table (event log, jobs, last-run, history)");
    output("ScheduleGroup", this.schedules.group.scheduleGroupName, "EventBridge Scheduler group of the schedules");
    output("ScheduleNames", this.plan.schedules.map((s) => s.name).join(",") || "-", "Schedule names, comma-separated");
    output("RunnerFunctionName", this.runner.function.functionName, "Runner Lambda");
    output("IngestFunctionName", this.ingest.function.functionName, "Ingest Lambda");
    output(
      "Secrets",
      Stack.of(this).toJsonString(this.secrets.locators),
      "Secret reference -> secret ARN/name to set (put-secret-value)",
    );
    output("DashboardName", this.monitoring.dashboard.dashboardName, "CloudWatch dashboard");
    output("PayloadBucket", this.payloads.bucket.bucketName, "Events too large for an item or a message (claim check)");
    output(
      "OperatorPolicyArn",
      this.operatorPolicy.managedPolicyArn,
      "Managed policy to attach to whoever runs `evd cloud` against this stack",
    );
    output(
      "BridgePolicyArn",
      this.bridgePolicy.managedPolicyArn,
      "Managed policy to attach to whoever runs `evd bridge` against this stack",
    );
  }
}

const CLAIM_CHECK_REASON =
  "Objects of the claim-check prefix only: one object per large event, named by a hash of its id, not known in advance.";

/**
 * Writes the deploy bundle to a temp file the first time bundling asks for it (bundling copies it
 * into each function's asset); the file is removed when the synthesizing process exits.
 */
function lazyStagedBundle(bundle: DeployBundle): () => string {
  let path: string | undefined;
  return () => {
    if (path === undefined) {
      const dir = mkdtempSync(join(tmpdir(), "evd-bundle-"));
      process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
      path = join(dir, BUNDLE_FILE_NAME);
      writeFileSync(path, `${JSON.stringify(bundle)}\n`);
    }
    return path;
  };
}
