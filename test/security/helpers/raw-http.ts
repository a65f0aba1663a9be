/**
 * HTTP/1.1 over a raw socket, for requests no well-behaved client would send: duplicate and
 * conflicting headers, smuggling attempts, invalid bytes, slow or huge bodies. Parses the
 * response(s) it gets back (content-length or chunked bodies).
 */
import { connect, type Socket } from "node:net";

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly json?: Record<string, unknown>;
}

export interface RawResult {
  /** Every complete response read (a smuggled second request would show as a second response). */
  readonly responses: RawResponse[];
  readonly first?: RawResponse;
  /** The server closed the connection (or reset it). */
  readonly closed: boolean;
  readonly reset: boolean;
  readonly elapsedMs: number;
}

/** A request's bytes: `headers` as pairs (repeats kept), `body` raw. */
export function requestBytes(opts: {
  method?: string;
  path: string;
  headers?: readonly (readonly [string, string])[];
  body?: Buffer | string;
  /** Adds `Content-Length` from the body unless false. @default true */
  contentLength?: boolean;
  version?: string;
}): Buffer {
  const body = opts.body === undefined ? Buffer.alloc(0) : Buffer.from(opts.body);
  const headers = [...(opts.headers ?? [])];
  if (!headers.some(([n]) => n.toLowerCase() === "host")) headers.unshift(["Host", "127.0.0.1"]);
  if (opts.contentLength !== false) headers.push(["Content-Length", String(body.length)]);
  const head =
    `${opts.method ?? "POST"} ${opts.path} HTTP/${opts.version ?? "1.1"}\r\n` +
    headers.map(([n, v]) => `${n}: ${v}\r\n`).join("") +
    "\r\n";
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}

function parseOne(buf: Buffer): { response: RawResponse; rest: Buffer } | undefined {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(lines[0]!.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = buf.subarray(end + 4);
  let body: Buffer;
  if (status === 100) return { response: { status, headers, body: "" }, rest };
  if (headers["content-length"] !== undefined) {
    const n = Number(headers["content-length"]);
    if (rest.length < n) return undefined;
    body = rest.subarray(0, n);
    rest = rest.subarray(n);
  } else if (headers["transfer-encoding"]?.includes("chunked")) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf("\r\n", at);
      if (lineEnd < 0) return undefined;
      const size = Number.parseInt(rest.subarray(at, lineEnd).toString("latin1"), 16);
      if (rest.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
      if (size === 0) break;
    }
    body = Buffer.concat(parts);
    rest = rest.subarray(at);
  } else {
    body = Buffer.alloc(0);
  }
  const text = body.toString("utf8");
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { response: { status, headers, body: text, ...(json ? { json } : {}) }, rest };
}

/**
 * Sends `data` (all at once, or `chunks` with pauses) and collects responses until the server
 * closes the connection, `expect` responses arrived (then `settleMs` more), or `timeoutMs`.
 */
export function rawHttp(
  port: number,
  data: Buffer | string | readonly { bytes: Buffer | string; delayMs?: number }[],
  opts: { expect?: number; timeoutMs?: number; settleMs?: number; keepOpen?: boolean } = {},
): Promise<RawResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let buf: Buffer = Buffer.alloc(0);
    const responses: RawResponse[] = [];
    let closed = false;
    let reset = false;
    let done = false;
    let settleTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (settleTimer) clearTimeout(settleTimer);
      if (!opts.keepOpen) socket.destroy();
      const final = responses.filter((r) => r.status !== 100);
      resolve({ responses, first: final[0], closed, reset, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(finish, opts.timeoutMs ?? 5000);
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const parsed = parseOne(buf);
        if (!parsed) break;
        responses.push(parsed.response);
        buf = parsed.rest;
      }
      const finals = responses.filter((r) => r.status !== 100).length;
      if (opts.expect !== undefined && finals >= opts.expect && !settleTimer)
        settleTimer = setTimeout(finish, opts.settleMs ?? 50);
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNRESET" || err.code === "EPIPE") reset = true;
    });
    socket.on("close", () => {
      closed = true;
      finish();
    });
    socket.on("connect", async () => {
      if (Buffer.isBuffer(data) || typeof data === "string") {
        socket.write(data);
        return;
      }
      for (const part of data) {
        if (part.delayMs) await new Promise((r) => setTimeout(r, part.delayMs));
        if (socket.destroyed) return;
        socket.write(part.bytes);
      }
    });
  });
}
