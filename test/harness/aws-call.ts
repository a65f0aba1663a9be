/**
 * One AWS API call as IAM sees it, read from the wire: the caller (from the SigV4 scope), the
 * service and operation (X-Amz-Target for the JSON protocols, the REST path for Scheduler,
 * Bedrock and S3, the form body for CloudFormation), and the authorizations IAM evaluates for it:
 * IAM action, resource ARN, condition keys (e.g. `dynamodb:LeadingKeys`). A batch or transaction
 * is several authorizations (TransactWriteItems needs PutItem/UpdateItem/... per item,
 * SendMessageBatch needs sqs:SendMessage, StartMessageMoveTask needs four actions on two queues).
 */
import { TABLE_KEYS } from "../../shared/aws/table-layout.ts";
import { callerOf, TEST_ACCOUNT, type CallerIdentity } from "./aws-identity.ts";

/** What IAM evaluates: may `action` be done on `resource` with these condition key values? */
export interface Authorization {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

export interface AwsCall {
  readonly caller: CallerIdentity;
  /** `sqs`, `dynamodb`, `scheduler`, `secretsmanager`, `ssm`, `bedrock`, `s3`, `cloudformation`. */
  readonly service: string;
  /** The API operation, e.g. `SendMessageBatch`. */
  readonly operation: string;
  /** The parsed request body (JSON protocols; S3 and Bedrock bodies are not kept). */
  readonly input: Readonly<Record<string, unknown>>;
  readonly authorizations: readonly Authorization[];
}

export interface WireRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** Every call made through a recording endpoint in this process, in order. */
export class CallLog {
  readonly #calls: AwsCall[] = [];

  add(call: AwsCall): void {
    this.#calls.push(call);
  }

  /** The calls made by components (not by the harness itself). */
  componentCalls(): AwsCall[] {
    return this.#calls.filter((c) => c.caller.component !== undefined);
  }

  all(): readonly AwsCall[] {
    return this.#calls;
  }
}

/** The process-wide log every recording endpoint writes to. */
export const awsCalls = new CallLog();

const header = (req: WireRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
};

function jsonBody(req: WireRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  try {
    const parsed = JSON.parse(req.body.toString("utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Reads a request; undefined when it is not a signed AWS API call (health checks, unsigned probes). */
export function parseAwsCall(req: WireRequest): AwsCall | undefined {
  const caller = callerOf(header(req, "authorization"));
  if (!caller) return undefined;
  const target = header(req, "x-amz-target");
  if (target) {
    const [prefix, operation] = target.split(".") as [string, string];
    const input = jsonBody(req);
    if (prefix.startsWith("DynamoDB_"))
      return call(caller, "dynamodb", operation, input, dynamodb(caller, operation, input));
    if (prefix === "AmazonSQS") return call(caller, "sqs", operation, input, sqs(caller, operation, input));
    if (prefix === "secretsmanager")
      return call(caller, "secretsmanager", operation, input, [
        auth(`secretsmanager:${operation}`, secretArn(caller, String(input.SecretId))),
      ]);
    if (prefix === "AmazonSSM") {
      // `name:version` or `name:label` selects a version; IAM evaluates the parameter's ARN.
      const name = String(input.Name).replace(/:[^/]*$/, "");
      return call(caller, "ssm", operation, input, [
        auth(`ssm:${operation}`, arn(caller, "ssm", `parameter${name.startsWith("/") ? "" : "/"}${name}`)),
      ]);
    }
    return call(caller, prefix.toLowerCase(), operation, input, []);
  }
  const url = new URL(req.url, "http://localhost");
  switch (caller.signingService) {
    case "scheduler":
      return scheduler(caller, req, url);
    case "bedrock":
      return bedrock(caller, req, url);
    case "s3":
      return s3(caller, req, url);
    case "cloudformation":
      return cloudformation(caller, req);
    default:
      return call(caller, caller.signingService, `${req.method} ${url.pathname}`, {}, []);
  }
}

function call(
  caller: CallerIdentity,
  service: string,
  operation: string,
  input: Record<string, unknown>,
  authorizations: Authorization[],
): AwsCall {
  return { caller, service, operation, input, authorizations };
}

function auth(action: string, resource: string, context: Authorization["context"] = {}): Authorization {
  return { action, resource, context: { "aws:SecureTransport": "true", ...context } };
}

function arn(caller: CallerIdentity, service: string, resource: string): string {
  return `arn:aws:${service}:${caller.region}:${TEST_ACCOUNT}:${resource}`;
}

/** Secrets Manager resolves a name to the secret's ARN (name + a random 6-character suffix); IAM evaluates that. */
export const SECRET_ARN_SUFFIX = "-AbCdEf";

function secretArn(caller: CallerIdentity, id: string): string {
  return id.startsWith("arn:") ? id : arn(caller, "secretsmanager", `secret:${id}${SECRET_ARN_SUFFIX}`);
}

// ---- SQS ----

export function queueArnOf(caller: Pick<CallerIdentity, "region">, queueUrl: string): string {
  const name = new URL(queueUrl).pathname.split("/").filter(Boolean).at(-1) ?? "";
  return `arn:aws:sqs:${caller.region}:${TEST_ACCOUNT}:${name}`;
}

/** The IAM action a batch operation is authorized as. */
const SQS_ACTION: Readonly<Record<string, string>> = {
  SendMessageBatch: "SendMessage",
  DeleteMessageBatch: "DeleteMessage",
  ChangeMessageVisibilityBatch: "ChangeMessageVisibility",
};

function sqs(caller: CallerIdentity, operation: string, input: Record<string, unknown>): Authorization[] {
  if (operation === "StartMessageMoveTask") {
    const source = String(input.SourceArn);
    const destination = typeof input.DestinationArn === "string" ? input.DestinationArn : undefined;
    // AWS: the caller needs these on the source queue, and SendMessage on the destination.
    return [
      auth("sqs:StartMessageMoveTask", source),
      auth("sqs:ReceiveMessage", source),
      auth("sqs:DeleteMessage", source),
      auth("sqs:GetQueueAttributes", source),
      ...(destination ? [auth("sqs:SendMessage", destination)] : []),
    ];
  }
  if (operation === "ListMessageMoveTasks" || operation === "CancelMessageMoveTask")
    return [auth(`sqs:${operation}`, String(input.SourceArn ?? ""))];
  if (operation === "GetQueueUrl" || operation === "CreateQueue")
    return [auth(`sqs:${operation}`, `arn:aws:sqs:${caller.region}:${TEST_ACCOUNT}:${String(input.QueueName)}`)];
  if (typeof input.QueueUrl !== "string") return [];
  return [auth(`sqs:${SQS_ACTION[operation] ?? operation}`, queueArnOf(caller, input.QueueUrl))];
}

// ---- DynamoDB ----

type AttributeValue = Record<string, unknown>;

/** The partition key attribute of the table (no index) or of one of its indexes. */
function partitionKeyAttribute(indexName: string | undefined): string | undefined {
  if (indexName === undefined) return TABLE_KEYS.partitionKey;
  for (const value of Object.values(TABLE_KEYS)) {
    if (typeof value === "object" && value !== null && "indexName" in value && value.indexName === indexName)
      return (value as { partitionKey: string }).partitionKey;
  }
  return undefined;
}

function scalar(v: AttributeValue | undefined): string | undefined {
  if (!v) return undefined;
  if (typeof v.S === "string") return v.S;
  if (typeof v.N === "string") return v.N;
  return undefined;
}

function leadingKey(item: Record<string, AttributeValue> | undefined): string[] {
  const value = scalar(item?.[TABLE_KEYS.partitionKey]);
  return value === undefined ? [] : [value];
}

function tableArn(caller: CallerIdentity, table: string, index?: string): string {
  return arn(caller, "dynamodb", `table/${table}${index ? `/index/${index}` : ""}`);
}

/** `#pk = :v` (names resolved) in a key condition -> the value bound to the partition key. */
function queryLeadingKey(input: Record<string, unknown>): string[] {
  const pk = partitionKeyAttribute(typeof input.IndexName === "string" ? input.IndexName : undefined);
  const expr = typeof input.KeyConditionExpression === "string" ? input.KeyConditionExpression : "";
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
  for (const m of expr.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const name = m[1]!.startsWith("#") ? names[m[1]!] : m[1];
    if (name === pk) {
      const v = scalar(values[m[2]!]);
      return v === undefined ? [] : [v];
    }
  }
  return [];
}

const TRANSACT_WRITE_ACTION = {
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  ConditionCheck: "ConditionCheckItem",
} as const;

function dynamodb(caller: CallerIdentity, operation: string, input: Record<string, unknown>): Authorization[] {
  const keys = (values: string[]): Authorization["context"] =>
    values.length ? { "dynamodb:LeadingKeys": values } : {};
  switch (operation) {
    case "GetItem":
    case "DeleteItem":
    case "UpdateItem":
      return [
        auth(
          `dynamodb:${operation}`,
          tableArn(caller, String(input.TableName)),
          keys(leadingKey(input.Key as Record<string, AttributeValue>)),
        ),
      ];
    case "PutItem":
      return [
        auth(
          "dynamodb:PutItem",
          tableArn(caller, String(input.TableName)),
          keys(leadingKey(input.Item as Record<string, AttributeValue>)),
        ),
      ];
    case "Query":
    case "Scan": {
      const index = typeof input.IndexName === "string" ? input.IndexName : undefined;
      return [
        auth(
          `dynamodb:${operation}`,
          tableArn(caller, String(input.TableName), index),
          operation === "Query" ? keys(queryLeadingKey(input)) : {},
        ),
      ];
    }
    case "BatchGetItem":
    case "BatchWriteItem": {
      const requests = (input.RequestItems ?? {}) as Record<string, unknown>;
      return Object.entries(requests).map(([table, req]) => {
        const items =
          operation === "BatchGetItem"
            ? ((req as { Keys?: Record<string, AttributeValue>[] }).Keys ?? [])
            : (
                req as {
                  PutRequest?: { Item: Record<string, AttributeValue> };
                  DeleteRequest?: { Key: Record<string, AttributeValue> };
                }[]
              ).map((w) => w.PutRequest?.Item ?? w.DeleteRequest?.Key ?? {});
        return auth(`dynamodb:${operation}`, tableArn(caller, table), keys([...new Set(items.flatMap(leadingKey))]));
      });
    }
    case "TransactWriteItems":
    case "TransactGetItems": {
      const items = (input.TransactItems ?? []) as Record<string, Record<string, unknown>>[];
      return items.flatMap((entry) =>
        Object.entries(entry).map(([kind, op]) => {
          const action =
            operation === "TransactGetItems"
              ? "GetItem"
              : TRANSACT_WRITE_ACTION[kind as keyof typeof TRANSACT_WRITE_ACTION];
          const key = (op.Key ?? op.Item) as Record<string, AttributeValue>;
          return auth(`dynamodb:${action}`, tableArn(caller, String(op.TableName)), keys(leadingKey(key)));
        }),
      );
    }
    default:
      return typeof input.TableName === "string"
        ? [auth(`dynamodb:${operation}`, tableArn(caller, input.TableName))]
        : [];
  }
}

// ---- REST services ----

function scheduler(caller: CallerIdentity, req: WireRequest, url: URL): AwsCall {
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 1)
    // ListSchedules has no resource-level permission: IAM evaluates it on "*".
    return call(caller, "scheduler", "ListSchedules", Object.fromEntries(url.searchParams), [
      auth("scheduler:ListSchedules", "*"),
    ]);
  const name = parts[1] ?? "";
  const input = req.method === "GET" || req.method === "DELETE" ? {} : jsonBody(req);
  const group =
    (typeof input.GroupName === "string" ? input.GroupName : undefined) ??
    url.searchParams.get("groupName") ??
    "default";
  const operation =
    (
      { GET: "GetSchedule", POST: "CreateSchedule", PUT: "UpdateSchedule", DELETE: "DeleteSchedule" } as Record<
        string,
        string
      >
    )[req.method] ?? `${req.method}Schedule`;
  const authorizations = [auth(`scheduler:${operation}`, arn(caller, "scheduler", `schedule/${group}/${name}`))];
  const roleArn = (input.Target as { RoleArn?: unknown } | undefined)?.RoleArn;
  if (typeof roleArn === "string")
    // Creating or updating a schedule hands its target role to Scheduler.
    authorizations.push(auth("iam:PassRole", roleArn, { "iam:PassedToService": "scheduler.amazonaws.com" }));
  return call(caller, "scheduler", operation, input, authorizations);
}

/** Cross-region inference profile ids start with a geography (`us.`, `eu.`, `global.`...). */
const INFERENCE_PROFILE = /^(us|us-gov|eu|apac|jp|au|ca|global)\.(.+)$/;

function bedrock(caller: CallerIdentity, req: WireRequest, url: URL): AwsCall {
  const m = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/.exec(url.pathname);
  if (!m) return call(caller, "bedrock", `${req.method} ${url.pathname}`, {}, []);
  const modelId = decodeURIComponent(m[1]!);
  const action = m[2]!.endsWith("stream") ? "bedrock:InvokeModelWithResponseStream" : "bedrock:InvokeModel";
  const operation =
    { converse: "Converse", "converse-stream": "ConverseStream", invoke: "InvokeModel" }[m[2]!] ?? m[2]!;
  let resources: string[];
  if (modelId.startsWith("arn:")) resources = [modelId];
  else {
    const profile = INFERENCE_PROFILE.exec(modelId);
    resources = profile
      ? [
          arn(caller, "bedrock", `inference-profile/${modelId}`),
          // The profile routes the request to a copy of the model in one of its regions.
          `arn:aws:bedrock:${caller.region}::foundation-model/${profile[2]}`,
        ]
      : [`arn:aws:bedrock:${caller.region}::foundation-model/${modelId}`];
  }
  return call(
    caller,
    "bedrock",
    operation,
    { modelId },
    resources.map((r) => auth(action, r)),
  );
}

function s3(caller: CallerIdentity, req: WireRequest, url: URL): AwsCall {
  const [bucket = "", ...rest] = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const key = rest.join("/");
  const object = `arn:aws:s3:::${bucket}/${key}`;
  const byMethod: Record<string, [string, string]> = {
    PUT: ["PutObject", "s3:PutObject"],
    GET: ["GetObject", "s3:GetObject"],
    HEAD: ["HeadObject", "s3:GetObject"],
    DELETE: ["DeleteObject", "s3:DeleteObject"],
  };
  const [operation, action] = key
    ? (byMethod[req.method] ?? [req.method, `s3:${req.method}`])
    : ["Bucket", "s3:ListBucket"];
  return call(caller, "s3", operation, { Bucket: bucket, Key: key }, [
    auth(action, key ? object : `arn:aws:s3:::${bucket}`),
  ]);
}

function cloudformation(caller: CallerIdentity, req: WireRequest): AwsCall {
  const form = new URLSearchParams(req.body.toString("utf8"));
  const operation = form.get("Action") ?? "Unknown";
  const stack = form.get("StackName");
  const input = Object.fromEntries(form);
  return call(caller, "cloudformation", operation, input, [
    auth(
      `cloudformation:${operation}`,
      stack ? arn(caller, "cloudformation", `stack/${stack}/00000000-0000-0000-0000-000000000000`) : "*",
    ),
  ]);
}
