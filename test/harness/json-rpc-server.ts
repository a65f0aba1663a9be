/**
 * The AWS wire formats the integration tests need and no npm emulator offers: Secrets Manager +
 * SSM (the product's emulator, local/cloud-local/emulators/secrets-emulator.ts) and Bedrock
 * Runtime Converse (REST-JSON `POST /model/{modelId}/converse`, here). The real SDK clients talk
 * to them; every call is logged with its caller for the IAM conformance check (aws-call.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { secretsEmulator } from "../../local/cloud-local/emulators/secrets-emulator.ts";
import { serveHandler } from "../../local/cloud-local/emulators/http-service.ts";
import { awsCalls, parseAwsCall, SECRET_ARN_SUFFIX } from "./aws-call.ts";
import type { RunningServer } from "./dynamo-local.ts";
import { startRecordingProxy } from "./recording-proxy.ts";

async function rawBody(req: IncomingMessage | Http2ServerRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
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

export interface SecretsServer extends RunningServer {
  /** How many GetSecretValue / GetParameter calls were answered (to observe caching). */
  readonly calls: () => number;
  /** `put-secret-value`: the value becomes AWSCURRENT, the current one AWSPREVIOUS. */
  putSecretValue(id: string, value: string): void;
  /** `put-parameter --overwrite`: a new version of the parameter. */
  putParameter(name: string, value: string): void;
}

/**
 * Secrets Manager and SSM: the product's emulator (`evd cloud local` serves it), over the given
 * values, which start out a day old, behind the recording proxy like the other emulators (calls
 * are logged for the IAM check). Secret ARNs end in the suffix the IAM check assumes.
 */
export async function startSecretsServer(values: {
  secrets?: Record<string, string>;
  parameters?: Record<string, string>;
}): Promise<SecretsServer> {
  const emulator = secretsEmulator({
    ...values,
    presetAt: Date.now() - 86_400_000,
    arnSuffix: SECRET_ARN_SUFFIX.slice(1),
  });
  const server = await serveHandler(emulator.handler);
  const proxy = await startRecordingProxy({ target: server.endpoint });
  return {
    endpoint: proxy.endpoint,
    calls: emulator.reads,
    putSecretValue: (id, value) => emulator.putSecretValue(id, value),
    putParameter: (name, value) => emulator.putParameter(name, value),
    stop: async () => {
      await proxy.stop();
      await server.stop();
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
