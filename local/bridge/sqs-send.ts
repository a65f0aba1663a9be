/**
 * The bridge's send function on SQS: one SendMessage per job, body = the Job JSON (what the runner
 * Lambda consumes, see functions/sqs-message.ts), with the job id and handler as message attributes
 * (the same as ingest's). And the reading of SDK and network errors into retry / reject.
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { jobMessageAttributes } from "../../shared/aws/sqs-job-queue.ts";
import type { Job } from "../../shared/events/event.ts";
import { FailureKind, type SendFailure, type SendJob } from "./sender.ts";

/**
 * The message body of a job. U+FFFE and U+FFFF are valid UTF-8 (so they can be in a text file)
 * but SQS refuses them in a message: they are written as JSON escapes, which parse back the same.
 */
export function jobMessageBody(job: Job): string {
  return JSON.stringify(job).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

export function createSqsSend(opts: { client: SQSClient; queueUrl: string }): SendJob {
  return async (job) => {
    await opts.client.send(
      new SendMessageCommand({
        QueueUrl: opts.queueUrl,
        MessageBody: jobMessageBody(job),
        MessageAttributes: jobMessageAttributes(job),
      }),
    );
  };
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
]);
const THROTTLE_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "KmsThrottled",
  "KMS.ThrottlingException",
  "OverLimit",
  "SlowDown",
]);
/** The queue refuses the message itself: resending it can never work. */
const MESSAGE_FAULTS = new Set(["InvalidMessageContents", "MessageTooLong"]);

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  errors?: unknown[];
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function networkCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== "object" || err === null || depth > 4) return undefined;
  const e = err as ErrorLike;
  if (e.code && NETWORK_CODES.has(e.code)) return e.code;
  if (e.name === "TimeoutError" || e.name === "RequestTimeout") return "timeout";
  for (const inner of e.errors ?? []) {
    const c = networkCode(inner, depth + 1);
    if (c) return c;
  }
  return networkCode(e.cause, depth + 1);
}

/** What a failed send means: keep the change set spooled and retry, or set it aside for good. */
export function classifySendError(err: unknown): SendFailure {
  const net = networkCode(err);
  if (net) return { kind: FailureKind.RETRY, reason: `queue unreachable (${net})` };
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as ErrorLike;
  const name = e.name ?? "Error";
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLE_NAMES.has(name) || status === 429)
    return { kind: FailureKind.RETRY, reason: `queue throttling (${name})` };
  if (status !== undefined && status >= 500)
    return { kind: FailureKind.RETRY, reason: `queue error (${name}, HTTP ${status})` };
  const tooLong = name === "InvalidParameterValue" && /shorter than|too long|message size/i.test(e.message ?? "");
  if (MESSAGE_FAULTS.has(name) || tooLong)
    return { kind: FailureKind.REJECT, reason: `queue refused the message (${name}: ${e.message ?? ""})` };
  // QueueDoesNotExist, AccessDenied, bad credentials...: the queue side must be fixed; nothing is dropped meanwhile.
  return { kind: FailureKind.RETRY, reason: `queue refused (${name}${e.message ? `: ${e.message}` : ""})` };
}
