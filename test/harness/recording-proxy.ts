/**
 * A reverse proxy in front of an AWS emulator: every request is read as an AWS call (who, which
 * operation, which resources; see aws-call.ts) and logged, checked against AWS's documented
 * limits (aws-limits.ts: a request over a limit gets AWS's error and never reaches the emulator),
 * then forwarded unchanged. The emulators enforce neither IAM nor most limits; this is where
 * the tests see what an account would.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { awsCalls, parseAwsCall, type CallLog } from "./aws-call.ts";
import { checkLimits, type LimitViolation } from "./aws-limits.ts";
import type { RunningServer } from "./dynamo-local.ts";

export interface RecordingProxyOptions {
  /** The emulator's base URL. */
  readonly target: string;
  /** @default the process-wide log */
  readonly log?: CallLog;
  /** @default true */
  readonly enforceLimits?: boolean;
  /** After recording the caller, sign as this access key instead (an emulator that knows only one key). */
  readonly presentAccessKey?: string;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** AWS's error answer, in the JSON protocol both SQS and DynamoDB speak here. */
function refuse(res: ServerResponse, v: LimitViolation, contentType: string): void {
  const body = JSON.stringify({ __type: v.type, message: v.message });
  res.writeHead(v.status, {
    "content-type": contentType,
    "content-length": String(Buffer.byteLength(body)),
    "x-amzn-requestid": "evd-limit-check",
    ...(v.service === "sqs" ? { "x-amzn-query-error": `${v.code};Sender` } : {}),
  });
  res.end(body);
}

export async function startRecordingProxy(opts: RecordingProxyOptions): Promise<RunningServer> {
  const target = new URL(opts.target);
  const log = opts.log ?? awsCalls;
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const call = parseAwsCall({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body });
      if (call) {
        log.add(call);
        const violation =
          opts.enforceLimits === false ? undefined : checkLimits(call.service, call.operation, call.input);
        if (violation) return refuse(res, violation, req.headers["content-type"] ?? "application/x-amz-json-1.0");
      }
      const headers = { ...req.headers, host: target.host };
      if (opts.presentAccessKey && typeof headers.authorization === "string")
        headers.authorization = headers.authorization.replace(
          /Credential=[^/]+\//,
          `Credential=${opts.presentAccessKey}/`,
        );
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", (err) => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(`recording proxy: ${err.message}`);
      });
      upstream.end(body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
