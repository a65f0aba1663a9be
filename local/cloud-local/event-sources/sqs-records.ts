/** SQS messages -> the Lambda SQS event records, and the partial batch response -> the failed ids. */
import type { Message } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord, SQSMessageAttributes } from "aws-lambda";

export function sqsRecordOf(m: Message, queueArn: string, region: string): SQSRecord {
  const a: Readonly<Record<string, string | undefined>> = m.Attributes ?? {};
  const attributes: Record<string, string> = {
    ApproximateReceiveCount: a.ApproximateReceiveCount ?? "1",
    SentTimestamp: a.SentTimestamp ?? String(Date.now()),
    SenderId: a.SenderId ?? "AROAEVDCLOUDLOCAL",
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
  for (const k of [
    "MessageGroupId",
    "MessageDeduplicationId",
    "SequenceNumber",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
  ])
    if (a[k] !== undefined) attributes[k] = a[k];
  const messageAttributes: SQSMessageAttributes = {};
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) {
    messageAttributes[k] = {
      dataType: v.DataType ?? "String",
      ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { binaryValue: Buffer.from(v.BinaryValue).toString("base64") } : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? "",
    attributes: attributes as unknown as SQSRecord["attributes"],
    messageAttributes,
    md5OfBody: m.MD5OfBody ?? "",
    ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export function sqsEventOf(messages: readonly Message[], queueArn: string, region: string): SQSEvent {
  return { Records: messages.map((m) => sqsRecordOf(m, queueArn, region)) };
}

/**
 * The message ids to keep on the queue, from a function's answer with ReportBatchItemFailures,
 * by Lambda's rules: null, `{}` or an empty/null `batchItemFailures` is full success; an answer
 * that is not such an object, or an `itemIdentifier` that is empty or not in the batch, fails the
 * whole batch (`"all"`).
 */
export function failedItems(payload: unknown, batchIds: readonly string[]): Set<string> | "all" {
  if (payload === null || payload === undefined || payload === "") return new Set();
  if (typeof payload !== "object" || Array.isArray(payload)) return "all";
  const failures = (payload as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return "all";
  const out = new Set<string>();
  for (const f of failures) {
    const id = typeof f === "object" && f !== null ? (f as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== "string" || id === "" || !batchIds.includes(id)) return "all";
    out.add(id);
  }
  return out;
}
