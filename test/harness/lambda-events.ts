/**
 * Real Lambda event shapes for the handlers: an API Gateway HTTP API (payload 2.0) request, and
 * an SQS event built from messages actually received from the queue. `pollOnce` does what the
 * Lambda event source mapping does: receive, invoke, delete what did not fail.
 */
import { randomUUID } from "node:crypto";
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { assertLambdaPayload } from "./aws-limits.ts";

export function apiGatewayV2Event(input: {
  method?: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  base64?: boolean;
  /** A named stage (its name prefixes rawPath) instead of `$default`. */
  stage?: string;
  /** A custom domain's API mapping key (it prefixes rawPath). */
  mappingKey?: string;
}): APIGatewayProxyEventV2 {
  const method = input.method ?? "POST";
  const raw = typeof input.body === "string" ? Buffer.from(input.body, "utf8") : input.body;
  const base64 = input.base64 ?? false;
  const now = Date.now();
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey: `${method} ${input.path}`,
    rawPath: `${input.mappingKey ? `/${input.mappingKey}` : input.stage ? `/${input.stage}` : ""}${input.path}`,
    rawQueryString: "",
    headers: input.headers,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "abc123",
      http: {
        method,
        path: input.path,
        protocol: "HTTP/1.1",
        sourceIp: "192.30.252.1",
        userAgent: input.headers["User-Agent"] ?? input.headers["user-agent"] ?? "test",
      },
      requestId: randomUUID(),
      routeKey: `${method} ${input.path}`,
      stage: input.stage ?? "$default",
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    body: base64 ? raw.toString("base64") : raw.toString("utf8"),
    isBase64Encoded: base64,
  };
  // API Gateway invokes the function synchronously: the whole event must fit Lambda's payload limit.
  assertLambdaPayload(event, `the API Gateway event for ${method} ${input.path}`);
  return event;
}

export function sqsRecordOf(m: Message, queueArn: string, region = "us-east-1"): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? "",
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? "1",
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        {
          dataType: v.DataType ?? "String",
          ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export function sqsEventOf(messages: readonly Message[], queueArn: string): SQSEvent {
  const event = { Records: messages.map((m) => sqsRecordOf(m, queueArn)) };
  assertLambdaPayload(event, `the SQS event of ${messages.length} message(s)`);
  return event;
}

export async function receiveAll(sqs: SQSClient, queueUrl: string, max = 10): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: 0,
      AttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
  );
  return out.Messages ?? [];
}

export interface PollResult {
  readonly received: number;
  readonly failures: readonly string[];
  readonly response?: SQSBatchResponse;
}

/**
 * One event-source-mapping cycle: receive a batch, invoke, delete the records that did not fail.
 * The mapping polls with the function's execution role: pass a client signed as the runner.
 */
export async function pollOnce(
  sqs: SQSClient,
  queueUrl: string,
  queueArn: string,
  handler: (e: SQSEvent) => Promise<SQSBatchResponse>,
): Promise<PollResult> {
  const messages = await receiveAll(sqs, queueUrl);
  if (messages.length === 0) return { received: 0, failures: [] };
  const response = await handler(sqsEventOf(messages, queueArn));
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = messages.filter((m) => !failed.has(m.MessageId!));
  if (done.length) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return { received: messages.length, failures: [...failed], response };
}

/** Deletes received messages (what the event source mapping does after a successful invoke). */
export async function deleteMessages(sqs: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  if (messages.length === 0) return;
  await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
    }),
  );
}
