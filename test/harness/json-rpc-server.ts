/**
 * Small in-repo servers speaking two AWS wire formats the integration tests need and no npm
 * emulator offers: Secrets Manager + SSM (awsJson1_1, `X-Amz-Target`), and Bedrock Runtime
 * Converse (REST-JSON `POST /model/{modelId}/converse`). The real SDK clients talk to them; every
 * call is logged with its caller for the IAM conformance check (aws-call.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { awsCalls, parseAwsCall } from "./aws-call.ts";
import type { RunningServer } from "./dynamo-local.ts";
import { startRecordingProxy } from "./recording-proxy.ts";

async function rawBody(req: IncomingMessage | Http2ServerRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function body(req: IncomingMessage | Http2ServerRequest): Promise<Record<string, unknown>> {
  const text = (await rawBody(req)).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function reply(
  res: ServerResponse | Http2ServerResponse,
  status: number,
  payload: unknown,
  contentType = "application/x-amz-json-1.1",
  errorType?: string,
): void {
  const text = JSON.stringify(payload);
  const headers = {
    "content-type": contentType,
    "content-length": String(Buffer.byteLength(text)),
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
  };
  (res as ServerResponse).writeHead(status, headers);
  res.end(text);
}

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: ReturnType<typeof createServer>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

export interface SecretsServer extends RunningServer {
  /** How many GetSecretValue / GetParameter calls were answered (to observe caching). */
  readonly calls: () => number;
  /** `put-secret-value`: the value becomes AWSCURRENT, the current one AWSPREVIOUS. */
  putSecretValue(id: string, value: string): void;
  /** `put-parameter --overwrite`: a new version of the parameter. */
  putParameter(name: string, value: string): void;
}

interface Version {
  readonly value: string;
  readonly createdAt: number;
}

/**
 * Secrets Manager GetSecretValue (AWSCURRENT, or `VersionStage: AWSPREVIOUS` after a put) and SSM
 * GetParameter (`name` or `name:version`) over the given values, which start out a day old.
 */
export async function startSecretsServer(values: {
  secrets?: Record<string, string>;
  parameters?: Record<string, string>;
}): Promise<SecretsServer> {
  let calls = 0;
  const dayAgo = Date.now() - 86_400_000;
  const secrets = new Map<string, Version[]>(
    Object.entries(values.secrets ?? {}).map(([k, v]) => [k, [{ value: v, createdAt: dayAgo }]]),
  );
  const parameters = new Map<string, Version[]>(
    Object.entries(values.parameters ?? {}).map(([k, v]) => [k, [{ value: v, createdAt: dayAgo }]]),
  );
  const server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const input = await body(req);
      calls++;
      if (target === "secretsmanager.GetSecretValue") {
        const id = String(input.SecretId);
        const versions = secrets.get(id) ?? [];
        const stage = input.VersionStage === "AWSPREVIOUS" ? "AWSPREVIOUS" : "AWSCURRENT";
        const version = stage === "AWSPREVIOUS" ? versions.at(-2) : versions.at(-1);
        if (version === undefined)
          return reply(res, 400, {
            __type: "ResourceNotFoundException",
            message: `Secrets Manager can't find the specified secret${stage === "AWSPREVIOUS" ? " value for staging label: AWSPREVIOUS" : ""}.`,
          });
        return reply(res, 200, {
          ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}-AbCdEf`,
          Name: id,
          SecretString: version.value,
          VersionId: `v${versions.indexOf(version) + 1}`,
          VersionStages: [stage],
          CreatedDate: version.createdAt / 1000,
        });
      }
      if (target === "AmazonSSM.GetParameter") {
        const [name, selector] = String(input.Name).split(":") as [string, string | undefined];
        const versions = parameters.get(name) ?? [];
        const version = selector === undefined ? versions.at(-1) : versions[Number(selector) - 1];
        if (version === undefined)
          return reply(
            res,
            400,
            selector === undefined
              ? { __type: "ParameterNotFound", message: `Parameter ${name} not found.` }
              : { __type: "ParameterVersionNotFound", message: `Version ${selector} of ${name} not found.` },
          );
        return reply(res, 200, {
          Parameter: {
            Name: name,
            Type: "SecureString",
            Value: version.value,
            Version: versions.indexOf(version) + 1,
            LastModifiedDate: version.createdAt / 1000,
            ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${name}`,
            DataType: "text",
          },
        });
      }
      return reply(res, 400, { __type: "UnknownOperationException", message: `unsupported target ${target}` });
    })().catch((err: unknown) => reply(res, 500, { __type: "InternalFailure", message: String(err) }));
  });
  // Behind the recording proxy, like the other emulators: calls are logged for the IAM check.
  const proxy = await startRecordingProxy({ target: await listen(server) });
  const stopServer = closer(server);
  const put = (map: Map<string, Version[]>, id: string, value: string) =>
    map.set(id, [...(map.get(id) ?? []), { value, createdAt: Date.now() }]);
  return {
    endpoint: proxy.endpoint,
    calls: () => calls,
    putSecretValue: (id, value) => put(secrets, id, value),
    putParameter: (name, value) => put(parameters, name, value),
    stop: async () => {
      await proxy.stop();
      await stopServer();
    },
  };
}

export interface ConverseCall {
  readonly modelId: string;
  readonly body: Record<string, unknown>;
}

export interface ConverseServer {
  endpoint: string;
  stop(): Promise<void>;
  readonly calls: ConverseCall[];
  /** "ok" answers; "throttle" answers 429 ThrottlingException; "error" answers 500. */
  mode: "ok" | "throttle" | "error";
}

/**
 * Bedrock Runtime Converse: echoes the last user text back as `reply: <text>`. Cleartext HTTP/2,
 * because the Bedrock Runtime client's default request handler speaks HTTP/2.
 */
export async function startConverseServer(): Promise<ConverseServer> {
  const state: ConverseServer = { endpoint: "", calls: [], mode: "ok", stop: async () => {} };
  const sessions = new Set<ServerHttp2Session>();
  const server = createHttp2Server((req, res) => {
    void (async () => {
      const m = /^\/model\/([^/]+)\/converse$/.exec(req.url ?? "");
      if (req.method !== "POST" || !m)
        return reply(res, 404, { message: "not found" }, "application/json", "ResourceNotFoundException");
      const raw = await rawBody(req);
      const call = parseAwsCall({ method: req.method, url: req.url ?? "/", headers: req.headers, body: raw });
      if (call) awsCalls.add(call);
      const input = raw.length ? (JSON.parse(raw.toString("utf8")) as Record<string, unknown>) : {};
      const modelId = decodeURIComponent(m[1]!);
      state.calls.push({ modelId, body: input });
      if (state.mode === "throttle")
        return reply(res, 429, { message: "Too many requests" }, "application/json", "ThrottlingException");
      if (state.mode === "error")
        return reply(res, 500, { message: "model failed" }, "application/json", "InternalServerException");
      const messages = (input.messages ?? []) as { content?: { text?: string }[] }[];
      const text =
        messages
          .at(-1)
          ?.content?.map((c) => c.text ?? "")
          .join("") ?? "";
      return reply(
        res,
        200,
        {
          output: { message: { role: "assistant", content: [{ text: `reply: ${text}` }] } },
          stopReason: "end_turn",
          usage: { inputTokens: text.length, outputTokens: text.length + 7, totalTokens: 2 * text.length + 7 },
          metrics: { latencyMs: 1 },
        },
        "application/json",
      );
    })().catch((err: unknown) =>
      reply(res, 500, { message: String(err) }, "application/json", "InternalServerException"),
    );
  });
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sessions) s.destroy();
      server.close(() => resolve());
    });
  return state;
}
