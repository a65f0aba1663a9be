/**
 * An HTTP request -> the API Gateway HTTP API event (payload format 2.0), and the function's
 * answer -> the HTTP response, as API Gateway does it:
 * - header names lower-cased, repeated headers joined with commas; cookies in `cookies`;
 * - `rawPath` is the path as sent (the stage prefix included), `rawQueryString` unparsed;
 * - the body is base64 (`isBase64Encoded: true`) unless its content type is text or JSON;
 * - an answer without `statusCode` is a 200 `application/json` whose body is the answer itself.
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export interface ApiRequest {
  readonly method: string;
  /** The path as sent, without the query string. */
  readonly path: string;
  readonly rawQueryString: string;
  /** Lower-case names; a repeated header as several values. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly protocol: string;
}

export interface ApiEventContext {
  readonly accountId: string;
  readonly apiId: string;
  readonly domainName: string;
  readonly routeKey: string;
  readonly stage: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly stageVariables?: Readonly<Record<string, string>>;
  readonly now?: Date;
  readonly requestId?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

/** Bodies API Gateway passes as text; everything else (forms, binaries, no content type) is base64. */
export function isTextContent(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type.startsWith("text/") || type === "application/json" || type.endsWith("+json");
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `12/Mar/2020:19:03:58 +0000` */
function requestTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function queryParameters(raw: string): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = k in out ? `${out[k]},${v}` : v;
  return out;
}

export function apiGatewayEvent(req: ApiRequest, ctx: ApiEventContext): APIGatewayProxyEventV2 {
  const now = ctx.now ?? new Date();
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const values = typeof value === "string" ? [value] : [...value];
    if (name === "cookie") {
      cookies = values.flatMap((v) => v.split(";").map((c) => c.trim())).filter(Boolean);
      continue;
    }
    headers[name] = values.join(",");
  }
  headers["x-forwarded-for"] = headers["x-forwarded-for"]
    ? `${headers["x-forwarded-for"]}, ${req.sourceIp}`
    : req.sourceIp;
  headers["x-forwarded-proto"] ??= "http";
  headers["x-amzn-trace-id"] ??=
    `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replace(/-/g, "").slice(0, 24)}`;
  const base64 = req.body.length > 0 && !isTextContent(headers["content-type"]);
  const query = queryParameters(req.rawQueryString);
  return {
    version: "2.0",
    routeKey: ctx.routeKey,
    rawPath: req.path,
    rawQueryString: req.rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      domainName: ctx.domainName,
      domainPrefix: ctx.domainName.split(".")[0]!,
      http: {
        method: req.method,
        path: req.path,
        protocol: req.protocol,
        sourceIp: req.sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: ctx.requestId ?? randomUUID(),
      routeKey: ctx.routeKey,
      stage: ctx.stage,
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(ctx.pathParameters ? { pathParameters: { ...ctx.pathParameters } } : {}),
    ...(ctx.stageVariables ? { stageVariables: { ...ctx.stageVariables } } : {}),
    ...(req.body.length > 0 ? { body: base64 ? req.body.toString("base64") : req.body.toString("utf8") } : {}),
    isBase64Encoded: base64,
  };
}

/** The function's answer as API Gateway returns it; `undefined` when the answer is not usable (502). */
export function apiResponseOf(payload: unknown): ApiResponse | undefined {
  const structured =
    typeof payload === "object" && payload !== null && !Array.isArray(payload) && "statusCode" in payload
      ? (payload as APIGatewayProxyStructuredResultV2)
      : undefined;
  if (!structured) {
    const body = typeof payload === "string" ? payload : JSON.stringify(payload);
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from(body, "utf8"),
    };
  }
  const status = Number(structured.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return undefined;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(structured.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const raw = typeof structured.body === "string" ? structured.body : "";
  return {
    status,
    headers,
    cookies: structured.cookies ?? [],
    body: structured.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8"),
  };
}
