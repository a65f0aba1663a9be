/** One deployed-like cloud per test group: table, queue + DLQ, secrets, both handlers wired as Lambda builds them. */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { DynamoHistoryStore } from "../../../shared/aws/dynamo-history-store.ts";
import { DynamoJobStore } from "../../../shared/aws/dynamo-job-store.ts";
import type { TableRef } from "../../../shared/aws/dynamo-document.ts";
import { jsonLogger } from "../../../shared/logging/logger.ts";
import { systemClock, type Clock } from "../../../shared/ports/clock.ts";
import { createIngestHandler, ingestFromEnvironment, type IngestHandler } from "../../../functions/ingest.ts";
import { createRunnerHandler, runnerFromEnvironment, type RunnerHandler } from "../../../functions/runner.ts";
import { parseDeployBundle } from "../../../functions/deploy-bundle.ts";
import { parseConfig } from "../../../shared/config/parse.ts";
import type { MetricSink } from "../../../functions/metrics.ts";
import { connection, createTestQueues, createTestTable, type TestQueues } from "../../harness/aws-resources.ts";
import type { AwsTestEnv } from "../../harness/aws-env.ts";
import { FAKE_CREDENTIALS } from "../../harness/aws-env.ts";
import { pollOnce, type PollResult } from "../../harness/lambda-events.ts";

export const WEBHOOK_SECRET = "it-is-a-secret";

export interface CloudFixture {
  readonly table: TableRef;
  readonly queues: TestQueues;
  readonly queueArn: string;
  readonly jobs: DynamoJobStore;
  readonly history: DynamoHistoryStore;
  readonly ingest: IngestHandler;
  /** A fresh runner "container" (its own clients and caches), as a second Lambda instance would be; `config`: a redeployed one. */
  runner(opts?: {
    clock?: Clock;
    leaseMs?: number;
    config?: Record<string, unknown>;
    env?: Record<string, string>;
  }): RunnerHandler;
  poll(runner?: RunnerHandler): Promise<PollResult>;
  readonly logs: string[];
  readonly metrics: string[];
  depth(url?: string): Promise<number>;
}

export interface FixtureOptions {
  readonly config: Record<string, unknown>;
  readonly maxReceiveCount?: number;
  readonly secretsEndpoint: string;
  readonly bedrockEndpoint?: string;
}

export async function cloudFixture(env: AwsTestEnv, opts: FixtureOptions): Promise<CloudFixture> {
  const table = await createTestTable(env);
  const queues = await createTestQueues(env, { maxReceiveCount: opts.maxReceiveCount ?? 2 });
  const arn = await queues.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const queueArn = arn.Attributes!.QueueArn!;
  // What infra writes: the config as loaded (parsed, defaults applied, secret references kept).
  const bundleOf = (config: Record<string, unknown>) =>
    parseDeployBundle({ config: parseConfig(config, { where: "test config", env: {} }), recipes: {} }, "test bundle");
  const bundle = bundleOf(opts.config);
  const lambdaEnv = {
    EVD_TABLE_NAME: table.tableName,
    EVD_QUEUE_URL: queues.queueUrl,
    EVD_DLQ_URL: queues.dlqUrl,
    EVD_MAX_RECEIVE_COUNT: String(opts.maxReceiveCount ?? 2),
    EVD_SECRETS: JSON.stringify({ GITHUB_WEBHOOK_SECRET: "evd/github-webhook" }),
    EVD_LEASE_MS: "600000",
    AWS_REGION: env.region,
  };
  const fake = { region: env.region, credentials: { ...FAKE_CREDENTIALS } };
  const connections = {
    dynamodb: connection(env, "dynamodb"),
    sqs: connection(env, "sqs"),
    secretsmanager: { ...fake, endpoint: opts.secretsEndpoint },
    ...(opts.bedrockEndpoint ? { bedrock: { ...fake, endpoint: opts.bedrockEndpoint } } : {}),
  };
  const logs: string[] = [];
  const metricLines: string[] = [];
  const logger = jsonLogger((l) => logs.push(l), { level: "debug" });
  const metrics: MetricSink = (m, count = 1, dims = {}) =>
    metricLines.push(JSON.stringify({ metric: m, count, ...dims }));
  const ingest = createIngestHandler(() =>
    ingestFromEnvironment({ env: lambdaEnv, connections, bundle, logger, metrics }),
  );
  const runner = (
    o: { clock?: Clock; leaseMs?: number; config?: Record<string, unknown>; env?: Record<string, string> } = {},
  ) =>
    createRunnerHandler(() =>
      runnerFromEnvironment({
        env: { ...lambdaEnv, ...(o.leaseMs ? { EVD_LEASE_MS: String(o.leaseMs) } : {}), ...o.env },
        connections,
        bundle: o.config ? bundleOf(o.config) : bundle,
        logger,
        metrics,
        clock: o.clock ?? systemClock,
        keyRetryDelaySeconds: 1,
      }),
    );
  const defaultRunner = runner();
  return {
    table,
    queues,
    queueArn,
    jobs: new DynamoJobStore({ table }),
    history: new DynamoHistoryStore({ table, clock: systemClock }),
    ingest,
    runner,
    poll: (r = defaultRunner) => pollOnce(queues.sqs, queues.queueUrl, queueArn, r),
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
