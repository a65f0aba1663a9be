/**
 * A small in-repo server speaking Bedrock Runtime Converse (REST-JSON `POST /model/{modelId}/converse`),
 * which no npm emulator offers; the real SDK client talks to it. (Secrets Manager and SSM are
 * emulated by the product: local/cloud-local/emulators/secrets-emulator.ts.)
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";

async function body(req: IncomingMessage | Http2ServerRequest): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
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
      const input = await body(req);
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
