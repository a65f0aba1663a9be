/**
 * How the webhook server answers outside the ingest: JSON refusals, a refused body read and
 * dropped (a clean answer, nothing kept) or the connection closed (under memory pressure), and a
 * raw JSON answer on a socket the HTTP parser gave up on (smuggling attempts, header floods,
 * timeouts).
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

export function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { ...JSON_TYPE, "content-length": String(Buffer.byteLength(text)), ...extra });
  res.end(text);
}

/**
 * Bytes of a refused body read and thrown away after the answer, so the client gets the answer
 * instead of a reset connection (closing with unread bytes makes the kernel send RST); a client
 * that sends more than this is cut off. Nothing of it is kept.
 */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

export function declaredLength(req: IncomingMessage): number | undefined {
  const v = Number(req.headers["content-length"]);
  return Number.isFinite(v) ? v : undefined;
}

export function hasBody(req: IncomingMessage): boolean {
  return (declaredLength(req) ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
}

/** Answers, then reads and drops what the client still sends (up to DISCARD_LIMIT_BYTES): a clean answer, nothing buffered. */
export function answerAndDiscard(req: IncomingMessage, send: () => void): void {
  send();
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT_BYTES) req.socket.destroy();
  });
  req.resume();
}

/** Answers, then closes the connection: the rest of the body is never read (under memory pressure). */
export function refuseAndClose(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  body: { error: string; message: string },
  extra: Record<string, string> = {},
): void {
  req.pause();
  sendJson(res, status, body, { connection: "close", ...extra });
  res.on("finish", () => req.socket.destroy());
}

/** A raw JSON answer on a socket the HTTP parser gave up on (no request object exists). */
function rawRefusal(status: number, error: string, message: string): string {
  const body = JSON.stringify({ error, message });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

function clientErrorAnswer(code: string | undefined): string {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return rawRefusal(431, "headers_too_large", "request headers are too large (16 KiB) or too many (100)");
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return rawRefusal(408, "request_timeout", "the request did not arrive in time");
    default:
      return rawRefusal(400, "bad_request", `malformed HTTP request${code ? ` (${code})` : ""}`);
  }
}

/** Node's `clientError`: a JSON answer when nothing was written on the socket yet, then close. */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === "ECONNRESET" || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorAnswer(err.code));
}
