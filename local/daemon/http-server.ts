/**
 * The daemon's webhook server: a thin `node:http` adapter around the shared, transport-neutral
 * ingest. It reads the raw body with the size limit enforced while streaming (no buffering past
 * the limit), lower-cases headers, and writes the ingest's answer back. Keep-alive friendly:
 * nothing per request but the ingest call itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ingestRequest } from "../../shared/ingest/ingest-request.ts";
import type { Logger } from "../../shared/logging/logger.ts";

/** The shared ingest's request and answer (shared/ingest/ingest.ts), restated structurally. */
export interface IngestRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
}
export interface IngestResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); the bound port is in `address()` after `listen()`. */
  readonly port: number;
  /** Largest body accepted on `path` (bytes). */
  readonly bodyLimit: (path: string) => number;
  readonly ingest: (req: IngestRequest) => Promise<IngestResponse>;
  readonly logger: Logger;
}

export interface WebhookServer {
  listen(): Promise<{ host: string; port: number }>;
  address(): { host: string; port: number };
  close(): Promise<void>;
}

export class WebhookServerError extends Error {
  override readonly name = "WebhookServerError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { ...JSON_TYPE, "content-length": String(Buffer.byteLength(text)), ...extra });
  res.end(text);
}

/**
 * Bytes of an over-limit body read and thrown away after the 413, so the client gets the answer
 * instead of a reset connection (closing with unread bytes makes the kernel send RST); a client
 * that sends more than this is cut off.
 */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

function tooLarge(res: ServerResponse, req: IncomingMessage, limit: number): void {
  sendJson(res, 413, { error: "body_too_large", message: `request body exceeds ${limit} bytes` });
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT_BYTES) req.socket.destroy();
  });
  req.resume();
}

/** Reads the body up to `limit` bytes; resolves undefined (and answers 413) when it is larger. */
function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    tooLarge(res, req, limit);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer): void => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.off("data", onData);
        tooLarge(res, req, limit);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.once("error", (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}

export function createWebhookServer(options: WebhookServerOptions): WebhookServer {
  const { logger } = options;
  let server: Server | undefined;
  let bound: { host: string; port: number } | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const method = (req.method ?? "GET").toUpperCase();
    if (path === "/healthz") {
      if (method !== "GET" && method !== "HEAD") {
        sendJson(res, 405, { error: "method_not_allowed", message: "use GET /healthz" }, { allow: "GET" });
        return;
      }
      sendJson(res, 200, { status: "ok" });
      return;
    }
    const rawBody = await readBody(req, res, options.bodyLimit(path));
    if (rawBody === undefined) return;
    const answer = await options.ingest(ingestRequest(method, path, req.headers, rawBody));
    res.writeHead(answer.status, {
      ...JSON_TYPE,
      ...answer.headers,
      "content-length": String(Buffer.byteLength(answer.body)),
    });
    res.end(answer.body);
  }

  /** `Expect: 100-continue` with a Content-Length over the limit: 413 at once, before the body is sent. */
  function onCheckContinue(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const limit = options.bodyLimit(q === -1 ? url : url.slice(0, q));
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      tooLarge(res, req, limit);
      return;
    }
    res.writeContinue();
    onRequest(req, res);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    handle(req, res).catch((err: unknown) => {
      logger.log("error", "webhook request failed", {
        error: err instanceof Error ? err.message : String(err),
        path: req.url,
      });
      if (!res.headersSent)
        sendJson(res, 500, {
          error: "internal_error",
          message: "the daemon could not process this request; see its log",
        });
      else res.destroy();
    });
  }

  return {
    listen() {
      return new Promise((resolve, reject) => {
        const srv = createServer({ keepAlive: true }, onRequest);
        srv.on("checkContinue", onCheckContinue);
        srv.keepAliveTimeout = 65_000;
        srv.headersTimeout = 66_000;
        srv.once("error", (err) =>
          reject(
            new WebhookServerError(`cannot listen on ${options.host}:${options.port}: ${err.message}`, { cause: err }),
          ),
        );
        srv.listen(options.port, options.host, () => {
          const addr = srv.address() as AddressInfo;
          bound = { host: options.host, port: addr.port };
          server = srv;
          resolve(bound);
        });
      });
    },
    address() {
      if (!bound) throw new WebhookServerError("the webhook server is not listening");
      return bound;
    },
    close() {
      const srv = server;
      server = undefined;
      if (!srv) return Promise.resolve();
      return new Promise((resolve) => {
        srv.close(() => resolve());
        srv.closeIdleConnections();
        // Connections still busy finish their response, then close (no keep-alive after close()).
        setTimeout(() => srv.closeAllConnections(), 2_000).unref();
      });
    },
  };
}
