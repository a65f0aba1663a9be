/**
 * One AWS endpoint for every emulated service, as LocalStack's port 4566 is: `AWS_ENDPOINT_URL`
 * points the SDK, the AWS CLI, `evd cloud` and `evd bridge` at it. A request is routed by the
 * service its SigV4 signature names (`Credential=<key>/<date>/<region>/<service>/aws4_request`,
 * in the `Authorization` header or a presigned URL's `X-Amz-Credential`), else by its
 * `X-Amz-Target`. A service nobody emulates gets an error naming it and the ones that exist.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { sendAwsJsonError, type RequestHandler } from "./http-service.ts";

/** A service's SigV4 signing name: `dynamodb`, `sqs`, `secretsmanager`, `ssm`, `scheduler`, `s3`, `cloudformation`. */
export type ServiceName = string;

export interface GatewayCall {
  readonly service: ServiceName;
  /** `AmazonSQS.SendMessage`, `DynamoDB_20120810.PutItem`, or `<METHOD> <path>` for REST services. */
  readonly operation: string;
  readonly accessKeyId?: string;
}

export interface AwsGatewayOptions {
  readonly services: Readonly<Record<ServiceName, RequestHandler>>;
  /** Called for every request routed to a service, before it is handled (the SQS poller wakes up on sends). */
  readonly onCall?: (call: GatewayCall) => void;
}

const TARGET_PREFIXES: Readonly<Record<string, ServiceName>> = {
  DynamoDB_20120810: "dynamodb",
  AmazonSQS: "sqs",
  secretsmanager: "secretsmanager",
  AmazonSSM: "ssm",
};

const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;

export function serviceOf(req: IncomingMessage): { service?: ServiceName; accessKeyId?: string } {
  const auth = req.headers.authorization;
  const fromAuth = typeof auth === "string" ? CREDENTIAL.exec(auth) : null;
  const fromQuery = fromAuth
    ? null
    : CREDENTIAL.exec(
        `Credential=${decodeURIComponent(/[?&]X-Amz-Credential=([^&]+)/.exec(req.url ?? "")?.[1] ?? "")}`,
      );
  const m = fromAuth ?? fromQuery;
  if (m) return { service: m[2]!, accessKeyId: m[1]! };
  const target = req.headers["x-amz-target"];
  const prefix = typeof target === "string" ? target.split(".")[0]! : "";
  return Object.hasOwn(TARGET_PREFIXES, prefix) ? { service: TARGET_PREFIXES[prefix]! } : {};
}

export function awsGateway(opts: AwsGatewayOptions): RequestHandler {
  return (req: IncomingMessage, res: ServerResponse) => {
    const { service, accessKeyId } = serviceOf(req);
    const handler = service !== undefined && Object.hasOwn(opts.services, service) ? opts.services[service] : undefined;
    if (!handler) {
      req.resume();
      const what = service === undefined ? "an unsigned request without X-Amz-Target" : `the service "${service}"`;
      return sendAwsJsonError(
        res,
        400,
        "UnrecognizedClientException",
        `evd cloud local does not emulate ${what}; it emulates: ${Object.keys(opts.services).sort().join(", ")}`,
        "application/json",
      );
    }
    const target = req.headers["x-amz-target"];
    opts.onCall?.({
      service: service!,
      operation: typeof target === "string" ? target : `${req.method} ${(req.url ?? "/").split("?")[0]}`,
      ...(accessKeyId ? { accessKeyId } : {}),
    });
    handler(req, res);
  };
}

/** A handler that forwards requests, unchanged, to a server of its own (DynamoDB Local). */
export function proxyTo(endpoint: string): RequestHandler {
  const target = new URL(endpoint);
  return (req, res) => {
    const upstream = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent)
        sendAwsJsonError(res, 502, "ServiceUnavailable", `the emulator at ${endpoint} did not answer: ${err.message}`);
      else res.destroy(err);
    });
    req.pipe(upstream);
  };
}
