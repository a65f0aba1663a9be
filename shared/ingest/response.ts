/** The ingest's answers: JSON bodies, and the status and error codes in one place. */
export interface IngestResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** JSON text. */
  readonly body: string;
}

export const IngestErrorCode = {
  NOT_FOUND: "not_found",
  METHOD_NOT_ALLOWED: "method_not_allowed",
  PAYLOAD_TOO_LARGE: "payload_too_large",
  BAD_SIGNATURE: "invalid_signature",
  MISSING_HEADER: "missing_header",
  BAD_BODY: "invalid_body",
  BAD_EVENT: "invalid_event",
  QUEUE_FULL: "queue_full",
  /** The storm breaker paused the source (shared/guardrails/storm-breaker.ts). */
  SOURCE_PAUSED: "source_paused",
  QUEUE_UNAVAILABLE: "queue_unavailable",
  SECRET_UNAVAILABLE: "secret_unavailable",
  INTERNAL: "internal_error",
} as const;
export type IngestErrorCode = (typeof IngestErrorCode)[keyof typeof IngestErrorCode];

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" } as const;

export function jsonResponse(
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): IngestResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function refusal(
  status: number,
  error: IngestErrorCode,
  message: string,
  headers: Record<string, string> = {},
): IngestResponse {
  return jsonResponse(status, { error, message }, headers);
}
