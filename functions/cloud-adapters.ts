/**
 * The composition root of both functions: AWS adapters of the ports, built from the Lambda
 * environment. Every SDK client is created lazily, on first use: the runner creates Secrets
 * Manager only when a handler needs a secret. Bedrock lives in bedrock-providers.ts, which only
 * the runner imports, so the ingest bundle does not even load its SDK module.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import {
  DEFAULT_SDK_TIMEOUTS,
  lazy,
  sdkConfig,
  type AwsConnection,
  type SdkTimeouts,
} from "../shared/aws/aws-connection.ts";
import { ConcurrencyLease } from "../shared/aws/concurrency-lease.ts";
import { tableRef, type TableRef } from "../shared/aws/dynamo-document.ts";
import { DynamoHistoryStore } from "../shared/aws/dynamo-history-store.ts";
import { DynamoJobStore } from "../shared/aws/dynamo-job-store.ts";
import { DynamoHandlerStateStore } from "../shared/aws/dynamo-handler-state-store.ts";
import { DynamoLastRunStore } from "../shared/aws/dynamo-last-run-store.ts";
import { AwsSecretStore } from "../shared/aws/secrets.ts";
import { DynamoEventLog } from "../shared/aws/dynamo-event-log.ts";
import { DynamoBreakerStore } from "../shared/aws/dynamo-breaker-store.ts";
import { DynamoCounterStore } from "../shared/aws/dynamo-counter-store.ts";
import { S3PayloadStore } from "../shared/aws/payload-store.ts";
import { SqsJobQueue } from "../shared/aws/sqs-job-queue.ts";
import { SqsJobSender } from "../shared/aws/sqs-job-sender.ts";
import type { OrchestratorConfig } from "../shared/config/schema.ts";
import type { Clock } from "../shared/ports/clock.ts";
import type { CloudEnv } from "./cloud-env.ts";

/** Per-service connections (tests point them at emulators; in Lambda they are empty). */
export interface CloudConnections {
  readonly dynamodb?: AwsConnection;
  readonly sqs?: AwsConnection;
  readonly secretsmanager?: AwsConnection;
  readonly ssm?: AwsConnection;
  readonly bedrock?: AwsConnection;
  readonly s3?: AwsConnection;
}

export interface CloudAdapters {
  readonly table: TableRef;
  readonly sqs: () => SQSClient;
  readonly jobs: DynamoJobStore;
  readonly history: DynamoHistoryStore;
  readonly lastRun: DynamoLastRunStore;
  readonly handlerState: DynamoHandlerStateStore;
  readonly leases: ConcurrencyLease;
  readonly queue: SqsJobQueue;
  readonly secrets: AwsSecretStore;
  /** Budget counters (functions/cloud-guardrails.ts). */
  readonly counters: DynamoCounterStore;
  /** The storm breaker's per-source state. */
  readonly breakers: DynamoBreakerStore;
  /** The claim-check store, when the stack has a payload bucket. */
  readonly payloads: S3PayloadStore | undefined;
}

export function cloudAdapters(
  env: CloudEnv,
  config: OrchestratorConfig,
  clock: Clock,
  conns: CloudConnections = {},
  timeouts: SdkTimeouts = DEFAULT_SDK_TIMEOUTS,
): CloudAdapters {
  // Every client of the function gets the same explicit timeouts (a test's connection may add its own).
  const region = { ...(env.region ? { region: env.region } : {}), timeouts };
  const table = tableRef(env.tableName, { ...region, ...conns.dynamodb });
  const sqs = lazy(() => new SQSClient(sdkConfig({ ...region, ...conns.sqs })));
  const leases = new ConcurrencyLease({ table });
  const payloads = env.payloadBucket
    ? new S3PayloadStore({
        bucket: env.payloadBucket,
        s3: lazy(() => {
          const conn = { ...region, ...conns.s3 };
          // An emulator (s3rver, LocalStack) serves buckets on its path; AWS on a virtual host.
          return new S3Client({ ...sdkConfig(conn), forcePathStyle: conn.endpoint !== undefined });
        }),
      })
    : undefined;
  const sender = new SqsJobSender({
    sqs,
    queueUrl: env.queueUrl,
    ...(env.dlqUrl ? { dlqUrl: env.dlqUrl } : {}),
    ...(payloads ? { payloads } : {}),
  });
  return {
    table,
    sqs,
    jobs: new DynamoJobStore({ table, retentionDays: config.event_log_retention_days }),
    history: new DynamoHistoryStore({ table, clock }),
    lastRun: new DynamoLastRunStore({ table }),
    handlerState: new DynamoHandlerStateStore({ table, clock }),
    leases,
    counters: new DynamoCounterStore({ table }),
    breakers: new DynamoBreakerStore({ table }),
    queue: new SqsJobQueue({
      sender,
      sqs,
      clock,
      eventLog: new DynamoEventLog({
        table,
        retentionDays: config.event_log_retention_days,
        ...(payloads ? { payloads } : {}),
      }),
      leases,
      overflow: { policy: config.queue_overflow, limit: config.queue_capacity },
    }),
    payloads,
    secrets: new AwsSecretStore({
      map: { ...(config.cloud?.secrets ?? {}), ...env.secrets },
      secretsManager: lazy(() => new SecretsManagerClient(sdkConfig({ ...region, ...conns.secretsmanager }))),
      ssm: lazy(() => new SSMClient(sdkConfig({ ...region, ...conns.ssm }))),
    }),
  };
}
