/** API Gateway HTTP API (payload format 2.0) <-> the transport-neutral ingest request/response. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** What createIngest takes (shared/ingest/ingest.ts `IngestRequest`). */
export interface HttpRequestLike {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: Buffer;
}

export interface HttpResponseLike {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Lower-cased header names; repeated names (any case) joined with ", " as HTTP says. */
export function lowerCaseHeaders(
  headers: Readonly<Record<string, string | undefined>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    out[key] = key in out ? `${out[key]}, ${value}` : value;
  }
  return out;
}

export function ingestRequestOf(event: APIGatewayProxyEventV2): HttpRequestLike {
  const body = event.body ?? "";
  return {
    method: event.requestContext?.http?.method ?? "POST",
    path: event.rawPath || event.requestContext?.http?.path || "/",
    headers: lowerCaseHeaders(event.headers),
    rawBody: event.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8"),
  };
}

export function apiGatewayResultOf(res: HttpResponseLike): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: res.status,
    headers: { "content-type": "application/json", ...res.headers },
    body: res.body,
    isBase64Encoded: false,
  };
}

export function errorResult(status: number, error: string, message: string): APIGatewayProxyStructuredResultV2 {
  return apiGatewayResultOf({ status, headers: {}, body: JSON.stringify({ error, message }) });
}
