/**
 * The emulators accept what AWS refuses (local-aws-sqs takes 1 MiB messages and empty attribute
 * values, any batch size up to 1 MiB): the recording proxies in front of them refuse it as AWS
 * does, so a test whose code goes over a limit fails here as it would in an account.
 */
import assert from "node:assert/strict";
import { PutItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { before, describe, it } from "node:test";
import { connection, createTestQueues, createTestTable, type TestQueues } from "../../harness/aws-resources.ts";
import type { AwsTestEnv } from "../../harness/aws-env.ts";
import { AWS_LIMITS } from "../../harness/aws-limits.ts";

export function awsLimitsSuite(env: () => Promise<AwsTestEnv>): void {
  describe("AWS limits enforced in front of the emulators", () => {
    let e: AwsTestEnv;
    let queues: TestQueues;
    let tableName: string;
    before(async () => {
      e = await env();
      queues = await createTestQueues(e);
      tableName = (await createTestTable(e)).tableName;
    });

    const refused = async (p: Promise<unknown>, pattern: RegExp): Promise<void> => {
      await assert.rejects(p, (err: Error) => {
        assert.match(`${err.name}: ${err.message}`, pattern);
        return true;
      });
    };

    it("refuses an SQS message over 256 KiB, body and attributes counted", async (t) => {
      if (!e.local) return t.skip("external endpoint: AWS itself enforces the limits");
      const body = "x".repeat(AWS_LIMITS.sqsMessageBytes - 10);
      await refused(
        queues.sqs.send(
          new SendMessageCommand({
            QueueUrl: queues.queueUrl,
            MessageBody: body,
            MessageAttributes: { "evd-job-id": { DataType: "String", StringValue: "a-job-id" } },
          }),
        ),
        /Message must be shorter than 262144 bytes/,
      );
      await queues.sqs.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: body }));
    });

    it("refuses a batch of 11 entries, and one of 10 whose total is over 256 KiB", async (t) => {
      if (!e.local) return t.skip("external endpoint");
      const entries = (n: number, size: number) =>
        Array.from({ length: n }, (_, i) => ({ Id: String(i), MessageBody: "y".repeat(size) }));
      await refused(
        queues.sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.queueUrl, Entries: entries(11, 10) })),
        /TooManyEntriesInBatchRequest|Maximum number of entries/,
      );
      await refused(
        queues.sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.queueUrl, Entries: entries(10, 30_000) })),
        /BatchRequestTooLong|cannot be longer than 262144 bytes/,
      );
    });

    it("refuses an empty message attribute value and characters SQS does not take", async (t) => {
      if (!e.local) return t.skip("external endpoint");
      await refused(
        queues.sqs.send(
          new SendMessageCommand({
            QueueUrl: queues.queueUrl,
            MessageBody: "{}",
            MessageAttributes: { "evd-failure": { DataType: "String", StringValue: "" } },
          }),
        ),
        /non-empty message attribute value/,
      );
      await refused(
        queues.sqs.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: "bell \u0007" })),
        /InvalidMessageContents|Invalid characters/,
      );
    });

    it("refuses a DynamoDB item over 400 KB", async () => {
      const client = new DynamoDBClient(connection(e, "dynamodb"));
      await refused(
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { pk: { S: "EVENT#big" }, sk: { S: "EVENT" }, blob: { S: "z".repeat(AWS_LIMITS.dynamoItemBytes) } },
          }),
        ),
        /Item size has exceeded the maximum allowed size/,
      );
    });
  });
}
