/**
 * One deployed-like cloud per test group: table, queue + DLQ, secrets, both handlers wired as
 * Lambda builds them. Each component signs with its own access key (ingest, runner and the event
 * source mapping polling for it, the Scheduler target, `evd cloud`), and the cloud is registered
 * as a test deployment, so the IAM conformance check can judge every call against the policies
 * the stack of this config would give that component.
 */
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { sdkConfig } from "../../../shared/aws/aws-connection.ts";
import { DynamoHistoryStore } from "../../../shared/aws/dynamo-history-store.ts";
import { DynamoJobStore } from "../../../shared/aws/dynamo-job-store.ts";
import { tableRef, type TableRef } from "../../../shared/aws/dynamo-document.ts";
import { jsonLogger } from "../../../shared/logging/logger.ts";
import { systemClock, type Clock } from "../../../shared/ports/clock.ts";
import { createIngestHandler, ingestFromEnvironment, type IngestHandler } from "../../../functions/ingest.ts";
import { createRunnerHandler, runnerFromEnvironment, type RunnerHandler } from "../../../functions/runner.ts";
import { parseDeployBundle } from "../../../functions/deploy-bundle.ts";
import type { CloudConnections } from "../../../functions/cloud-adapters.ts";
import { parseConfig } from "../../../shared/config/parse.ts";
import type { MetricSink } from "../../../functions/metrics.ts";
import type { PipelineRunner } from "../../../shared/pipeline/pipeline-runner.ts";
import { createTestBucket, createTestQueues, createTestTable, type TestQueues } from "../../harness/aws-resources.ts";
import { componentConnectionOf, type AwsTestEnv } from "../../harness/aws-env.ts";
import { Component, credentialsFor } from "../../harness/aws-identity.ts";
import { assertLambdaPayload } from "../../harness/aws-limits.ts";
import {
  newDeploymentId,
  registerDeployment,
  secretLocatorsOf,
  type TestDeployment,
} from "../../harness/deployments.ts";
import { pollOnce, type PollResult } from "../../harness/lambda-events.ts";

export const WEBHOOK_SECRET = "it-is-a-secret";

/** Where the stack keeps the secret a config names `${ref}` (what EVD_SECRETS maps it to). */
export function secretIdOf(config: Readonly<Record<string, unknown>>, ref: string): string {
  const id = secretLocatorsOf(config)[ref];
  if (id === undefined) throw new Error(`the config references no secret \${${ref}}`);
  return id;
}

export interface CloudFixture {
  readonly deployment: TestDeployment;
  readonly table: TableRef;
  readonly queues: TestQueues;
  readonly queueArn: string;
  readonly jobs: DynamoJobStore;
  readonly history: DynamoHistoryStore;
  readonly ingest: IngestHandler;
  /** Another ingest container of the same deployment whose SQS calls go to `sqsEndpoint` (an outage). */
  ingestVia(sqsEndpoint: string): IngestHandler;
  /** A fresh runner "container" (its own clients and caches), as a second Lambda instance would be. */
  runner(opts?: RunnerOptions): RunnerHandler;
  /** One event source mapping cycle (polling with the runner's role). */
  poll(runner?: RunnerHandler): Promise<PollResult>;
  /** SQS as the event source mapping reaches it (the runner's execution role). */
  readonly eventSourceSqs: SQSClient;
  /** SQS as EventBridge Scheduler's target delivery sees it (the schedule role). */
  readonly schedulerSqs: SQSClient;
  /** The table and the queues as `evd cloud` (the operator policy) reaches them. */
  readonly cli: { readonly table: TableRef; readonly sqs: SQSClient };
  readonly logs: string[];
  readonly metrics: string[];
  depth(url?: string): Promise<number>;
}

export interface RunnerOptions {
  readonly clock?: Clock;
  readonly leaseMs?: number;
  /** Replaces the pipeline the bundle would build (tests of the runner's own semantics). */
  readonly pipeline?: PipelineRunner;
  /** Time the runner keeps after a job's deadline. @default the runner's 30 s */
  readonly finishMarginMs?: number;
  /** A redeployed config (its bundle) instead of the fixture's. */
  readonly config?: Record<string, unknown>;
}

export interface FixtureOptions {
  readonly config: Record<string, unknown>;
  readonly maxReceiveCount?: number;
  readonly secretsEndpoint: string;
  readonly bedrockEndpoint?: string;
  /** Recipe files the config references, by canonical id (`recipes/x.yaml`): in the bundle and the synthesized stack. */
  readonly recipes?: Readonly<Record<string, string>>;
}

export async function cloudFixture(env: AwsTestEnv, opts: FixtureOptions): Promise<CloudFixture> {
  const id = newDeploymentId();
  const table = await createTestTable(env);
  const bucketName = await createTestBucket(env);
  const queues = await createTestQueues(env, { maxReceiveCount: opts.maxReceiveCount ?? 2 });
  const arn = await queues.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const queueArn = arn.Attributes!.QueueArn!;
  const nameOf = (url: string) => new URL(url).pathname.split("/").filter(Boolean).at(-1)!;
  const deployment = registerDeployment({
    id,
    config: opts.config,
    tableName: table.tableName,
    queueName: nameOf(queues.queueUrl),
    dlqName: nameOf(queues.dlqUrl),
    bucketName,
    ...(opts.recipes ? { recipes: opts.recipes } : {}),
  });
  // What infra writes: the config as loaded (parsed, defaults applied, secret references kept).
  const bundleOf = (config: Record<string, unknown>) =>
    parseDeployBundle(
      { config: parseConfig(config, { where: "test config", env: {} }), recipes: { ...opts.recipes } },
      "test bundle",
    );
  const bundle = bundleOf(opts.config);
  const lambdaEnv = {
    EVD_TABLE_NAME: table.tableName,
    EVD_QUEUE_URL: queues.queueUrl,
    EVD_DLQ_URL: queues.dlqUrl,
    EVD_MAX_RECEIVE_COUNT: String(opts.maxReceiveCount ?? 2),
    EVD_SECRETS: JSON.stringify(secretLocatorsOf(opts.config)),
    EVD_LEASE_MS: "600000",
    EVD_PAYLOAD_BUCKET: bucketName,
    AWS_REGION: env.region,
  };
  const connectionsOf = (component: Component): CloudConnections => {
    const fake = { region: env.region, credentials: credentialsFor(component, id) };
    return {
      dynamodb: componentConnectionOf(env, "dynamodb", component, id),
      sqs: componentConnectionOf(env, "sqs", component, id),
      secretsmanager: { ...fake, endpoint: opts.secretsEndpoint },
      ssm: { ...fake, endpoint: opts.secretsEndpoint },
      s3: componentConnectionOf(env, "s3", component, id),
      ...(opts.bedrockEndpoint ? { bedrock: { ...fake, endpoint: opts.bedrockEndpoint } } : {}),
    };
  };
  const sqsAs = (component: Component) => new SQSClient(sdkConfig(componentConnectionOf(env, "sqs", component, id)));
  const logs: string[] = [];
  const metricLines: string[] = [];
  const logger = jsonLogger((l) => logs.push(l), { level: "debug" });
  const metrics: MetricSink = (m, count = 1, dims = {}) =>
    metricLines.push(JSON.stringify({ metric: m, count, ...dims }));
  const ingestOf = (connections: CloudConnections): IngestHandler => {
    const handler = createIngestHandler(() =>
      ingestFromEnvironment({ env: lambdaEnv, connections, bundle, logger, metrics }),
    );
    return async (event) => {
      const answer = await handler(event);
      assertLambdaPayload(answer, "the ingest function's answer");
      return answer;
    };
  };
  const ingest = ingestOf(connectionsOf(Component.INGEST));
  const runner = (o: RunnerOptions = {}) =>
    createRunnerHandler(() =>
      runnerFromEnvironment({
        env: { ...lambdaEnv, ...(o.leaseMs ? { EVD_LEASE_MS: String(o.leaseMs) } : {}) },
        connections: connectionsOf(Component.RUNNER),
        bundle: o.config ? bundleOf(o.config) : bundle,
        logger,
        metrics,
        clock: o.clock ?? systemClock,
        keyRetryDelaySeconds: 1,
        ...(o.pipeline ? { pipeline: o.pipeline } : {}),
        ...(o.finishMarginMs !== undefined ? { finishMarginMs: o.finishMarginMs } : {}),
      }),
    );
  const defaultRunner = runner();
  const eventSourceMapping = sqsAs(Component.RUNNER);
  return {
    deployment,
    table,
    queues,
    queueArn,
    jobs: new DynamoJobStore({ table }),
    history: new DynamoHistoryStore({ table, clock: systemClock }),
    ingest,
    ingestVia: (sqsEndpoint) =>
      ingestOf({
        ...connectionsOf(Component.INGEST),
        sqs: { ...componentConnectionOf(env, "sqs", Component.INGEST, id), endpoint: sqsEndpoint },
      }),
    runner,
    poll: (r = defaultRunner) => pollOnce(eventSourceMapping, queues.queueUrl, queueArn, r),
    eventSourceSqs: eventSourceMapping,
    schedulerSqs: sqsAs(Component.SCHEDULER),
    cli: {
      table: tableRef(table.tableName, componentConnectionOf(env, "dynamodb", Component.CLI, id)),
      sqs: sqsAs(Component.CLI),
    },
    logs,
    metrics: metricLines,
    async depth(url = queues.queueUrl) {
      const out = await queues.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
          ],
        }),
      );
      const a = out.Attributes ?? {};
      return (
        Number(a.ApproximateNumberOfMessages ?? 0) +
        Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
      );
    },
  };
}
