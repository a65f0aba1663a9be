/**
 * AWS's documented request limits, enforced in front of emulators that do not enforce them. A
 * request over a limit is answered with the error AWS answers (same type, code and status), so
 * the code under test sees what it would see in an account, and every limit hit is also kept for
 * the test report.
 *
 * SQS (standard queue, `MaximumMessageSize` 262,144 bytes, the default the stack keeps): a message
 * (body + attribute names, types and values) and a whole SendMessageBatch at most 262,144 bytes;
 * 1-10 entries per batch with distinct ids; at most 10 message attributes, names of at most 256
 * of `[A-Za-z0-9_.-]` not starting with `AWS.`/`Amazon.`, non-empty values; body characters
 * #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF; DelaySeconds 0-900; VisibilityTimeout
 * 0-43,200; MaxNumberOfMessages 1-10; WaitTimeSeconds 0-20.
 * DynamoDB: an item at most 409,600 bytes (names + values); partition key at most 2,048 bytes,
 * sort key at most 1,024; expressions at most 4,096 bytes; TransactWriteItems at most 100
 * actions; BatchGetItem at most 100 keys; BatchWriteItem at most 25 requests.
 * Lambda (synchronous invocation): request and response payloads at most 6,291,456 bytes.
 */
import { TABLE_KEYS } from "../../shared/aws/table-layout.ts";

export const AWS_LIMITS = {
  sqsMessageBytes: 262_144,
  sqsBatchBytes: 262_144,
  sqsBatchEntries: 10,
  sqsMessageAttributes: 10,
  sqsAttributeNameLength: 256,
  sqsMaxDelaySeconds: 900,
  sqsMaxVisibilitySeconds: 43_200,
  sqsMaxWaitSeconds: 20,
  dynamoItemBytes: 409_600,
  dynamoPartitionKeyBytes: 2_048,
  dynamoSortKeyBytes: 1_024,
  dynamoExpressionBytes: 4_096,
  dynamoTransactItems: 100,
  dynamoBatchGetKeys: 100,
  dynamoBatchWriteRequests: 25,
  lambdaSyncPayloadBytes: 6_291_456,
} as const;

/** What AWS would answer instead of doing the request. */
export interface LimitViolation {
  readonly service: string;
  readonly operation: string;
  readonly status: number;
  /** The error type (`__type` of the JSON protocols). */
  readonly type: string;
  /** The query-compatible error code (SQS). */
  readonly code: string;
  readonly message: string;
}

/** Every violation answered in this process (the proxies fill it; tests read it for diagnosis). */
export const limitViolations: LimitViolation[] = [];

const utf8 = (s: string): number => Buffer.byteLength(s, "utf8");

export function checkLimits(
  service: string,
  operation: string,
  input: Readonly<Record<string, unknown>>,
): LimitViolation | undefined {
  const problem =
    service === "sqs"
      ? sqsProblem(operation, input)
      : service === "dynamodb"
        ? dynamoProblem(operation, input)
        : undefined;
  if (!problem) return undefined;
  const violation = { service, operation, ...problem };
  limitViolations.push(violation);
  return violation;
}

type Problem = Omit<LimitViolation, "service" | "operation">;

// ---- SQS ----

const sqsError = (
  code: string,
  message: string,
  type = `com.amazonaws.sqs#${code.replace(/^AWS\.SimpleQueueService\./, "")}`,
): Problem => ({
  status: 400,
  type,
  code,
  message,
});
const invalidParameter = (message: string): Problem =>
  sqsError("InvalidParameterValue", message, "com.amazon.coral.service#InvalidParameterValueException");

/** Characters SQS accepts in a message body (XML 1.0's Char production). */
const INVALID_BODY_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;

interface MessageInput {
  readonly MessageBody?: unknown;
  readonly MessageAttributes?: unknown;
  readonly DelaySeconds?: unknown;
}

/** The size SQS counts for one message, or the problem with it. */
function messageSize(m: MessageInput): number | Problem {
  const body = typeof m.MessageBody === "string" ? m.MessageBody : "";
  if (body.length === 0) return sqsError("MissingParameter", "The request must contain the parameter MessageBody.");
  if (INVALID_BODY_CHAR.test(body))
    return sqsError(
      "InvalidMessageContents",
      "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
      "com.amazonaws.sqs#InvalidMessageContents",
    );
  let size = utf8(body);
  const attributes = (m.MessageAttributes ?? {}) as Record<
    string,
    { DataType?: string; StringValue?: string; BinaryValue?: string }
  >;
  const names = Object.keys(attributes);
  if (names.length > AWS_LIMITS.sqsMessageAttributes)
    return invalidParameter(`Number of message attributes [${names.length}] exceeds the allowed maximum [10].`);
  for (const name of names) {
    if (
      name.length > AWS_LIMITS.sqsAttributeNameLength ||
      !ATTRIBUTE_NAME.test(name) ||
      /^(aws\.|amazon\.)/i.test(name) ||
      name.startsWith(".") ||
      name.endsWith(".") ||
      name.includes("..")
    )
      return invalidParameter(`Message (user) attribute '${name}' is not a valid attribute name.`);
    const a = attributes[name]!;
    const type = a.DataType ?? "";
    if (!/^(String|Number|Binary)(\..+)?$/.test(type))
      return invalidParameter(`The message attribute '${name}' has an invalid message attribute type.`);
    const value = type.startsWith("Binary") ? a.BinaryValue : a.StringValue;
    if (value === undefined || value === "")
      return invalidParameter(`The message attribute '${name}' must contain a non-empty message attribute value.`);
    size += utf8(name) + utf8(type) + (type.startsWith("Binary") ? Buffer.from(value, "base64").length : utf8(value));
  }
  if (m.DelaySeconds !== undefined) {
    const d = Number(m.DelaySeconds);
    if (!Number.isInteger(d) || d < 0 || d > AWS_LIMITS.sqsMaxDelaySeconds)
      return invalidParameter(
        `Value ${String(m.DelaySeconds)} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.`,
      );
  }
  return size;
}

function visibility(value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  return Number.isInteger(v) && v >= 0 && v <= AWS_LIMITS.sqsMaxVisibilitySeconds
    ? undefined
    : invalidParameter(
        `Value ${String(value)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`,
      );
}

function batchEntries(entries: unknown, operation: string): Problem | undefined {
  const list = Array.isArray(entries) ? (entries as { Id?: unknown }[]) : [];
  if (list.length === 0)
    return sqsError(
      "AWS.SimpleQueueService.EmptyBatchRequest",
      `There should be at least one ${operation}RequestEntry in the request.`,
    );
  if (list.length > AWS_LIMITS.sqsBatchEntries)
    return sqsError(
      "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
      `Maximum number of entries per request are 10. You have sent ${list.length}.`,
    );
  const ids = list.map((e) => String(e.Id ?? ""));
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined)
    return sqsError("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", `Id ${repeated} repeated.`);
  if (ids.some((id) => !/^[A-Za-z0-9_-]{1,80}$/.test(id)))
    return sqsError(
      "AWS.SimpleQueueService.InvalidBatchEntryId",
      "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
    );
  return undefined;
}

function sqsProblem(operation: string, input: Readonly<Record<string, unknown>>): Problem | undefined {
  switch (operation) {
    case "SendMessage": {
      const size = messageSize(input);
      if (typeof size !== "number") return size;
      return size > AWS_LIMITS.sqsMessageBytes
        ? invalidParameter(
            `One or more parameters are invalid. Reason: Message must be shorter than ${AWS_LIMITS.sqsMessageBytes} bytes.`,
          )
        : undefined;
    }
    case "SendMessageBatch": {
      const bad = batchEntries(input.Entries, "SendMessageBatch");
      if (bad) return bad;
      let total = 0;
      for (const entry of input.Entries as MessageInput[]) {
        const size = messageSize(entry);
        if (typeof size !== "number") return size;
        if (size > AWS_LIMITS.sqsMessageBytes)
          return invalidParameter(
            `One or more parameters are invalid. Reason: Message must be shorter than ${AWS_LIMITS.sqsMessageBytes} bytes.`,
          );
        total += size;
      }
      return total > AWS_LIMITS.sqsBatchBytes
        ? sqsError(
            "AWS.SimpleQueueService.BatchRequestTooLong",
            `Batch requests cannot be longer than ${AWS_LIMITS.sqsBatchBytes} bytes. You have sent ${total} bytes.`,
          )
        : undefined;
    }
    case "DeleteMessageBatch":
      return batchEntries(input.Entries, "DeleteMessageBatch");
    case "ChangeMessageVisibilityBatch":
      return (
        batchEntries(input.Entries, "ChangeMessageVisibilityBatch") ??
        (input.Entries as { VisibilityTimeout?: unknown }[]).map((e) => visibility(e.VisibilityTimeout)).find(Boolean)
      );
    case "ChangeMessageVisibility":
      return visibility(input.VisibilityTimeout);
    case "ReceiveMessage": {
      const max = input.MaxNumberOfMessages;
      if (max !== undefined && (!Number.isInteger(Number(max)) || Number(max) < 1 || Number(max) > 10))
        return invalidParameter(
          `Value ${String(max)} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
        );
      const wait = input.WaitTimeSeconds;
      if (wait !== undefined && (Number(wait) < 0 || Number(wait) > AWS_LIMITS.sqsMaxWaitSeconds))
        return invalidParameter(
          `Value ${String(wait)} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
        );
      return visibility(input.VisibilityTimeout);
    }
    default:
      return undefined;
  }
}

// ---- DynamoDB ----

const validation = (message: string): Problem => ({
  status: 400,
  type: "com.amazon.coral.validate#ValidationException",
  code: "ValidationException",
  message,
});

type Value = Record<string, unknown>;

/** DynamoDB's item size accounting: attribute names plus values (numbers about 1 byte per 2 digits). */
export function attributeValueSize(v: Value): number {
  if (typeof v.S === "string") return utf8(v.S);
  if (typeof v.N === "string") return Math.ceil(v.N.replace(/^[-+]|\.|e.*$/gi, "").replace(/^0+/, "").length / 2) + 1;
  if (typeof v.B === "string") return Buffer.from(v.B, "base64").length; // on the wire
  if (v.B instanceof Uint8Array) return v.B.length; // as the SDK hands it over
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (Array.isArray(v.SS)) return (v.SS as string[]).reduce((n, s) => n + utf8(s), 0);
  if (Array.isArray(v.NS)) return (v.NS as string[]).reduce((n, s) => n + attributeValueSize({ N: s }), 0);
  if (Array.isArray(v.BS)) return (v.BS as string[]).reduce((n, s) => n + Buffer.from(s, "base64").length, 0);
  if (Array.isArray(v.L)) return 3 + (v.L as Value[]).reduce((n, e) => n + 1 + attributeValueSize(e), 0);
  if (typeof v.M === "object" && v.M !== null)
    return 3 + itemSize(v.M as Record<string, Value>) + Object.keys(v.M).length;
  return 0;
}

export function itemSize(item: Readonly<Record<string, Value>>): number {
  return Object.entries(item).reduce((n, [name, value]) => n + utf8(name) + attributeValueSize(value), 0);
}

function keyProblem(key: Record<string, Value> | undefined): Problem | undefined {
  if (!key) return undefined;
  const pk = key[TABLE_KEYS.partitionKey];
  const sk = key[TABLE_KEYS.sortKey];
  if (pk && attributeValueSize(pk) > AWS_LIMITS.dynamoPartitionKeyBytes)
    return validation(
      "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
    );
  if (sk && attributeValueSize(sk) > AWS_LIMITS.dynamoSortKeyBytes)
    return validation(
      "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
    );
  return undefined;
}

function itemProblem(item: Record<string, Value> | undefined): Problem | undefined {
  if (!item) return undefined;
  return (
    keyProblem(item) ??
    (itemSize(item) > AWS_LIMITS.dynamoItemBytes
      ? validation("Item size has exceeded the maximum allowed size")
      : undefined)
  );
}

function expressionProblem(input: Readonly<Record<string, unknown>>): Problem | undefined {
  for (const name of [
    "KeyConditionExpression",
    "FilterExpression",
    "UpdateExpression",
    "ConditionExpression",
    "ProjectionExpression",
  ]) {
    const e = input[name];
    if (typeof e === "string" && utf8(e) > AWS_LIMITS.dynamoExpressionBytes)
      return validation(`Invalid ${name}: Expression size has exceeded the maximum allowed size`);
  }
  return undefined;
}

function dynamoProblem(operation: string, input: Readonly<Record<string, unknown>>): Problem | undefined {
  const expr = expressionProblem(input);
  if (expr) return expr;
  switch (operation) {
    case "PutItem":
      return itemProblem(input.Item as Record<string, Value>);
    case "GetItem":
    case "UpdateItem":
    case "DeleteItem":
      return keyProblem(input.Key as Record<string, Value>);
    case "Query":
      return input.Limit !== undefined && Number(input.Limit) < 1
        ? validation(
            "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
          )
        : undefined;
    case "TransactWriteItems": {
      const items = (input.TransactItems ?? []) as Record<string, Record<string, unknown>>[];
      if (items.length > AWS_LIMITS.dynamoTransactItems)
        return validation(
          `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${AWS_LIMITS.dynamoTransactItems}`,
        );
      for (const entry of items)
        for (const op of Object.values(entry)) {
          const bad =
            itemProblem(op.Item as Record<string, Value>) ??
            keyProblem(op.Key as Record<string, Value>) ??
            expressionProblem(op);
          if (bad) return bad;
        }
      return undefined;
    }
    case "BatchGetItem": {
      const keys = Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).reduce(
        (n, r) => n + (r.Keys?.length ?? 0),
        0,
      );
      return keys > AWS_LIMITS.dynamoBatchGetKeys
        ? validation("Too many items requested for the BatchGetItem call")
        : undefined;
    }
    case "BatchWriteItem": {
      const requests = Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>).reduce(
        (n, r) => n + r.length,
        0,
      );
      return requests > AWS_LIMITS.dynamoBatchWriteRequests
        ? validation(
            "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25]",
          )
        : undefined;
    }
    default:
      return undefined;
  }
}

/** Throws when a synchronous Lambda payload (the event, or the function's answer) is over 6 MB. */
export function assertLambdaPayload(payload: unknown, what: string): void {
  const size = utf8(JSON.stringify(payload));
  if (size > AWS_LIMITS.lambdaSyncPayloadBytes)
    throw new Error(
      `${what} is ${size} bytes: over Lambda's ${AWS_LIMITS.lambdaSyncPayloadBytes}-byte synchronous payload limit (Lambda would refuse it: RequestEntityTooLarge)`,
    );
}
