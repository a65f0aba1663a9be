/**
 * What an SQS failure means for the sender: retry later (unreachable, throttled, a server error,
 * a queue or permission problem someone must fix: nothing is dropped meanwhile) or never (the
 * queue refuses this message itself: resending it can never work).
 */
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
/** The queue refuses the message itself. */
const MESSAGE_FAULTS = new Set(["InvalidMessageContents", "MessageTooLong"]);

export interface SqsFailure {
  readonly retryable: boolean;
  /** Short, e.g. "queue unreachable (ECONNREFUSED)", "queue throttling (RequestThrottled)". */
  readonly reason: string;
}

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

export function classifySqsError(err: unknown): SqsFailure {
  const net = networkCode(err);
  if (net) return { retryable: true, reason: `queue unreachable (${net})` };
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as ErrorLike;
  const name = e.name ?? "Error";
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLE_NAMES.has(name) || status === 429) return { retryable: true, reason: `queue throttling (${name})` };
  if (status !== undefined && status >= 500)
    return { retryable: true, reason: `queue error (${name}, HTTP ${status})` };
  const tooLong = name === "InvalidParameterValue" && /shorter than|too long|message size/i.test(e.message ?? "");
  if (MESSAGE_FAULTS.has(name) || tooLong) {
    return { retryable: false, reason: `queue refused the message (${name}: ${e.message ?? ""})` };
  }
  return { retryable: true, reason: `queue refused (${name}${e.message ? `: ${e.message}` : ""})` };
}
