/** API Gateway HTTP API (payload format 2.0) <-> the transport-neutral ingest request/response. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ingestRequest, type IngestRequest } from "../shared/ingest/ingest-request.ts";

export interface HttpResponseLike {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function ingestRequestOf(event: APIGatewayProxyEventV2): IngestRequest {
  const body = event.body ?? "";
  return ingestRequest(
    event.requestContext?.http?.method ?? "POST",
    routePathOf(event),
    event.headers,
    event.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8"),
  );
}

/**
 * The source path the request was routed for. `rawPath` carries whatever sits in front of the
 * route: a named stage (`/prod/github`) or a custom domain's API mapping key (`/hooks/github`).
 * The stack creates one route per config path, so the matched route key (`POST /github`) is
 * the path; with a `$default` route, the stage prefix is taken off `rawPath`.
 */
export function routePathOf(event: APIGatewayProxyEventV2): string {
  const routeKey = event.routeKey ?? event.requestContext?.routeKey;
  const routed = routeKey ? /^[A-Z]+ (\/\S*)$/.exec(routeKey)?.[1] : undefined;
  if (routed !== undefined && !routed.includes("{")) return routed;
  const raw = event.rawPath || event.requestContext?.http?.path || "/";
  const stage = event.requestContext?.stage;
  if (stage && stage !== "$default" && raw.startsWith(`/${stage}/`)) return raw.slice(stage.length + 1);
  return raw;
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
