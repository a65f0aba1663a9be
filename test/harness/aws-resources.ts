/** Creates fresh, uniquely named tables and queues on the test endpoints (one set per test). */
import { randomUUID } from "node:crypto";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { AwsConnection } from "../../shared/aws/aws-connection.ts";
import { tableRef, type TableRef } from "../../shared/aws/dynamo-document.ts";
import { createTableInput } from "../../shared/aws/table-layout.ts";
import type { AwsTestEnv } from "./aws-env.ts";

export function connection(env: AwsTestEnv, service: keyof AwsTestEnv["endpoints"]): AwsConnection {
  return {
    region: env.region,
    endpoint: env.endpoints[service],
    ...(env.credentials ? { credentials: env.credentials } : {}),
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

const tableClients = new WeakMap<AwsTestEnv, DynamoDBClient>();

export async function createTestTable(env: AwsTestEnv, name = uniqueName("evd")): Promise<TableRef> {
  let client = tableClients.get(env);
  if (!client) {
    client = new DynamoDBClient(connection(env, "dynamodb"));
    tableClients.set(env, client);
  }
  await client.send(new CreateTableCommand(createTableInput(name)));
  return tableRef(name, connection(env, "dynamodb"));
}

export interface TestQueues {
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly sqs: SQSClient;
}

/** A job queue with a DLQ after `maxReceiveCount` receives, the way infra/ wires them. */
export async function createTestQueues(
  env: AwsTestEnv,
  opts: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<TestQueues> {
  const sqs = new SQSClient(connection(env, "sqs"));
  const name = uniqueName("evd");
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqUrl = dlq.QueueUrl!;
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }));
  const dlqArn = attrs.Attributes!.QueueArn!;
  const q = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}-jobs`,
      Attributes: {
        VisibilityTimeout: String(opts.visibilityTimeoutSeconds ?? 30),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: opts.maxReceiveCount ?? 3 }),
      },
    }),
  );
  return { queueUrl: q.QueueUrl!, dlqUrl, dlqArn, sqs };
}

/** A fresh bucket (the stack's payload bucket) on the S3 endpoint. */
export async function createTestBucket(env: AwsTestEnv): Promise<string> {
  const name = uniqueName("evd-payloads").toLowerCase();
  const s3 = new S3Client({ ...connection(env, "s3"), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  s3.destroy();
  return name;
}
