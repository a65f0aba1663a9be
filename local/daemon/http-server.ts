/**
 * The daemon's webhook server: a thin `node:http` adapter around the shared, transport-neutral
 * ingest. Everything that can be answered from the request line and headers is answered before a
 * byte of body is read (unknown path, wrong method, a declared length over the limit, no room in
 * the buffer budget), `Expect: 100-continue` included: the body is only invited when it would be
 * read. Bodies are read with the size limit enforced while streaming and count against one budget
 * shared by all requests (request-limits.ts), so unauthenticated senders cannot make the daemon
 * buffer without bound. Malformed HTTP (smuggling attempts, oversized headers, timeouts) gets a
 * JSON refusal and a closed connection. `GET /healthz` reports the store's health.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ingestRequest } from "../../shared/ingest/ingest-request.ts";
import type { Logger } from "../../shared/logging/logger.ts";
import {
  answerAndDiscard,
  answerClientError,
  declaredLength,
  hasBody,
  JSON_TYPE,
  pathOf,
  refuseAndClose,
  sendJson,
} from "./http-answers.ts";
import { BodyBudget, DEFAULT_REQUEST_LIMITS, type RequestLimits } from "./request-limits.ts";

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

/** What `GET /healthz` answers: 200 when ok, else 503, with `body` as JSON. */
export interface HealthReport {
  readonly ok: boolean;
  readonly body: Record<string, unknown>;
}

export interface WebhookServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); the bound port is in `address()` after `listen()`. */
  readonly port: number;
  /** Largest body accepted on `path` (bytes); undefined when no endpoint is at that path. */
  readonly bodyLimit: (path: string) => number | undefined;
  readonly ingest: (req: IngestRequest) => Promise<IngestResponse>;
  /** @default always ok */
  readonly health?: () => HealthReport;
  /** @default DEFAULT_REQUEST_LIMITS */
  readonly limits?: Partial<RequestLimits>;
  readonly logger: Logger;
}

export interface WebhookServer {
  listen(): Promise<{ host: string; port: number }>;
  address(): { host: string; port: number };
  /** Body bytes buffered now and at most so far, against the budget. */
  bufferStats(): { used: number; peak: number; capacity: number };
  close(): Promise<void>;
}

export class WebhookServerError extends Error {
  override readonly name = "WebhookServerError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const EMPTY = Buffer.alloc(0);
/** Seconds a client is told to wait after a 503 for a full buffer budget. */
const BUSY_RETRY_AFTER_SECONDS = 5;

export function createWebhookServer(options: WebhookServerOptions): WebhookServer {
  const { logger } = options;
  const limits: RequestLimits = { ...DEFAULT_REQUEST_LIMITS, ...options.limits };
  const budget = new BodyBudget(limits.maxBufferedBytes);
  let server: Server | undefined;
  let bound: { host: string; port: number } | undefined;

  function tooLarge(res: ServerResponse, req: IncomingMessage, limit: number): void {
    answerAndDiscard(req, () =>
      sendJson(res, 413, { error: "body_too_large", message: `request body exceeds ${limit} bytes` }),
    );
  }

  function busy(res: ServerResponse, req: IncomingMessage): void {
    logger.log("warn", "request refused: the body buffer budget is used up", { ...budget.stats(), path: pathOf(req) });
    refuseAndClose(
      res,
      req,
      503,
      { error: "server_busy", message: "too many request bodies are being received at once; retry later" },
      { "retry-after": String(BUSY_RETRY_AFTER_SECONDS) },
    );
  }

  /** Answers from the headers when it can; true when the body should be read. */
  function answerFromHeaders(req: IncomingMessage, res: ServerResponse, limit: number): boolean {
    const declared = declaredLength(req);
    if (declared !== undefined && declared > limit) {
      tooLarge(res, req, limit);
      return false;
    }
    if (declared !== undefined && !budget.fits(declared)) {
      busy(res, req);
      return false;
    }
    return true;
  }

  /**
   * Reads the body up to `limit` bytes, reserving each chunk in the budget. Resolves the body and
   * the bytes reserved for it (the caller releases them once answered), or undefined after
   * answering 413 / 503 (or when the client went away).
   */
  function readBody(
    req: IncomingMessage,
    res: ServerResponse,
    limit: number,
  ): Promise<{ body: Buffer; reserved: number } | undefined> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (value: { body: Buffer; reserved: number } | undefined): void => {
        if (done) return;
        done = true;
        req.off("data", onData);
        if (value === undefined) budget.release(size);
        resolve(value);
      };
      const onData = (chunk: Buffer): void => {
        if (done) return;
        if (size + chunk.length > limit) {
          tooLarge(res, req, limit);
          return finish(undefined);
        }
        if (!budget.tryReserve(chunk.length)) {
          busy(res, req);
          return finish(undefined);
        }
        size += chunk.length;
        chunks.push(chunk);
      };
      req.on("data", onData);
      req.once("end", () =>
        finish({ body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), reserved: size }),
      );
      // Aborted, timed out or reset: nobody to answer.
      req.once("error", () => finish(undefined));
      req.once("close", () => finish(undefined));
    });
  }

  function healthz(res: ServerResponse, method: string): void {
    if (method !== "GET" && method !== "HEAD") {
      sendJson(res, 405, { error: "method_not_allowed", message: "use GET /healthz" }, { allow: "GET" });
      return;
    }
    const report = options.health?.() ?? { ok: true, body: { status: "ok" } };
    sendJson(res, report.ok ? 200 : 503, report.body);
  }

  function writeAnswer(res: ServerResponse, answer: IngestResponse, extra: Record<string, string> = {}): void {
    res.writeHead(answer.status, {
      ...JSON_TYPE,
      ...answer.headers,
      "content-length": String(Buffer.byteLength(answer.body)),
      ...extra,
    });
    res.end(answer.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    const method = (req.method ?? "GET").toUpperCase();
    // First, as a cut header list may have lost its Host: Node keeps one header more than the limit
    // (see listen), so a flood is refused, not silently cut, and the same way on every Node (Node 22
    // also counts a large header block as too large).
    if (req.rawHeaders.length / 2 > limits.maxHeadersCount) {
      // The body is read and dropped (bounded), not left unread: closing on unread bytes resets the
      // connection, and the client may lose the answer.
      const tooMany = () =>
        sendJson(
          res,
          431,
          { error: "headers_too_large", message: `a request may carry at most ${limits.maxHeadersCount} headers` },
          { connection: "close" },
        );
      return hasBody(req) ? answerAndDiscard(req, tooMany) : tooMany();
    }
    if (req.httpVersion === "1.1" && req.headers.host === undefined)
      return refuseAndClose(res, req, 400, {
        error: "missing_host",
        message: "an HTTP/1.1 request needs a Host header",
      });
    if (path === "/healthz") return healthz(res, method);
    const limit = options.bodyLimit(path);
    if (limit === undefined || method !== "POST") {
      // The ingest answers 404 / 405 from the path and method alone: the body is never read.
      const answer = await options.ingest(ingestRequest(method, path, req.headers, EMPTY));
      if (!hasBody(req)) return writeAnswer(res, answer);
      return answerAndDiscard(req, () => writeAnswer(res, answer));
    }
    if (!answerFromHeaders(req, res, limit)) return;
    const read = await readBody(req, res, limit);
    if (read === undefined) return;
    try {
      writeAnswer(res, await options.ingest(ingestRequest(method, path, req.headers, read.body)));
    } finally {
      budget.release(read.reserved);
    }
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    handle(req, res).catch((err: unknown) => {
      logger.log("error", "webhook request failed", {
        error: err instanceof Error ? err.message : String(err),
        path: pathOf(req),
      });
      if (!res.headersSent)
        sendJson(res, 500, {
          error: "internal_error",
          message: "the daemon could not process this request; see its log",
        });
      else res.destroy();
    });
  }

  /** `Expect: 100-continue`: invite the body only when it would be read; else answer now. */
  function onCheckContinue(req: IncomingMessage, res: ServerResponse): void {
    const path = pathOf(req);
    const limit = options.bodyLimit(path);
    const method = (req.method ?? "GET").toUpperCase();
    const declared = declaredLength(req);
    const wouldRead =
      path !== "/healthz" &&
      limit !== undefined &&
      method === "POST" &&
      !(declared !== undefined && (declared > limit || !budget.fits(declared)));
    if (wouldRead) res.writeContinue();
    onRequest(req, res);
  }

  /** An `Expect` other than 100-continue: 417, and the body is never read. */
  function onCheckExpectation(req: IncomingMessage, res: ServerResponse): void {
    refuseAndClose(res, req, 417, {
      error: "expectation_failed",
      message: `unsupported Expect header "${String(req.headers.expect)}"; only 100-continue is understood`,
    });
  }

  return {
    listen() {
      return new Promise((resolve, reject) => {
        const srv = createServer(
          {
            keepAlive: true,
            headersTimeout: limits.headersTimeoutMs,
            requestTimeout: limits.requestTimeoutMs,
            // How often Node looks for timed-out requests (its default, 30 s, would stretch the timeouts).
            connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
            // Answered by `handle` as JSON like every other refusal.
            requireHostHeader: false,
          },
          onRequest,
        );
        srv.keepAliveTimeout = limits.keepAliveTimeoutMs;
        srv.maxHeadersCount = limits.maxHeadersCount + 1;
        srv.maxConnections = limits.maxConnections;
        srv.on("checkContinue", onCheckContinue);
        srv.on("checkExpectation", onCheckExpectation);
        srv.on("clientError", answerClientError);
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
    bufferStats: () => budget.stats(),
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
