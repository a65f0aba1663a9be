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
    event.rawPath || event.requestContext?.http?.path || "/",
    event.headers,
    event.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8"),
  );
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
