/**
 * The composition root of both functions: AWS adapters of the ports, built from the Lambda
 * environment. Every SDK client is created lazily, on first use: the runner creates Secrets
 * Manager only when a handler needs a secret. Bedrock lives in bedrock-providers.ts, which only
 * the runner imports, so the ingest bundle does not even load its SDK module.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { lazy, sdkConfig, type AwsConnection } from "../shared/aws/aws-connection.ts";
import { ConcurrencyLease } from "../shared/aws/concurrency-lease.ts";
import { tableRef, type TableRef } from "../shared/aws/dynamo-document.ts";
import { DynamoHistoryStore } from "../shared/aws/dynamo-history-store.ts";
import { DynamoJobStore } from "../shared/aws/dynamo-job-store.ts";
import { DynamoHandlerStateStore } from "../shared/aws/dynamo-handler-state-store.ts";
import { DynamoLastRunStore } from "../shared/aws/dynamo-last-run-store.ts";
import { AwsSecretStore } from "../shared/aws/secrets.ts";
import { DynamoEventLog } from "../shared/aws/dynamo-event-log.ts";
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
}

export function cloudAdapters(
  env: CloudEnv,
  config: OrchestratorConfig,
  clock: Clock,
  conns: CloudConnections = {},
): CloudAdapters {
  const region = env.region ? { region: env.region } : {};
  const table = tableRef(env.tableName, { ...region, ...conns.dynamodb });
  const sqs = lazy(() => new SQSClient(sdkConfig({ ...region, ...conns.sqs })));
  const leases = new ConcurrencyLease({ table });
  const sender = new SqsJobSender({ sqs, queueUrl: env.queueUrl, ...(env.dlqUrl ? { dlqUrl: env.dlqUrl } : {}) });
  return {
    table,
    sqs,
    jobs: new DynamoJobStore({ table, retentionDays: config.event_log_retention_days }),
    history: new DynamoHistoryStore({ table, clock }),
    lastRun: new DynamoLastRunStore({ table }),
    handlerState: new DynamoHandlerStateStore({ table, clock }),
    leases,
    queue: new SqsJobQueue({
      sender,
      sqs,
      clock,
      eventLog: new DynamoEventLog({ table, retentionDays: config.event_log_retention_days }),
      leases,
      overflow: { policy: config.queue_overflow, limit: config.queue_capacity },
    }),
    secrets: new AwsSecretStore({
      map: { ...(config.cloud?.secrets ?? {}), ...env.secrets },
      secretsManager: lazy(() => new SecretsManagerClient(sdkConfig({ ...region, ...conns.secretsmanager }))),
      ssm: lazy(() => new SSMClient(sdkConfig({ ...region, ...conns.ssm }))),
    }),
  };
}
