/**
 * An open-loop ("paced") load generator on raw sockets: request i is due at t0 + i/rate, and its
 * latency counts from that scheduled time, so a server that falls behind shows its queueing
 * (no coordinated omission). Keep-alive connections, one request in flight on each; when none is
 * idle a new one is opened, up to `maxConnections`, after which requests wait (still timed from
 * their schedule). Requests are prebuilt bytes plus a fresh `X-GitHub-Delivery`, so the generator
 * stays cheap next to the server it measures.
 */
import { connect, type Socket } from "node:net";
import { deliveryId, type GithubDelivery } from "./github-delivery.ts";

export interface PacedResult {
  /** Latency of each answered request, ms from its scheduled send time. */
  readonly latenciesMs: number[];
  readonly statuses: ReadonlyMap<number, number>;
  readonly elapsedMs: number;
  readonly achievedPerSec: number;
  readonly connections: number;
}

export interface PacedOptions {
  readonly port: number;
  readonly path: string;
  readonly delivery: GithubDelivery;
  readonly rate: number;
  readonly seconds: number;
  /** @default 256 */
  readonly maxConnections?: number;
  /** Called as each request is written: its delivery id and the epoch ms it was scheduled at. */
  readonly onSend?: (id: string, scheduledEpochMs: number) => void;
}

interface Pending {
  readonly id: string;
  readonly scheduled: number;
}

/** Epoch milliseconds with sub-millisecond resolution (comparable across processes on one machine). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  current?: Pending;
  constructor(
    readonly socket: Socket,
    private readonly done: (c: Connection, status: number) => void,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString("latin1");
      const status = Number(head.slice(9, 12));
      const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      let total: number;
      if (lengthMatch) {
        total = end + 4 + Number(lengthMatch[1]);
      } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        const last = this.buffer.indexOf("\r\n0\r\n\r\n", end);
        if (last < 0) return;
        total = last + 7;
      } else {
        total = end + 4;
      }
      if (this.buffer.length < total) return;
      this.buffer = this.buffer.subarray(total);
      this.done(this, status);
    }
  }
}

export async function pacedLoad(opts: PacedOptions): Promise<PacedResult> {
  const { delivery, rate } = opts;
  const maxConnections = opts.maxConnections ?? 256;
  const total = Math.max(1, Math.round(rate * opts.seconds));
  const fixedHead =
    `POST ${opts.path} HTTP/1.1\r\nhost: 127.0.0.1:${opts.port}\r\n` +
    Object.entries(delivery.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("") +
    `content-length: ${delivery.body.length}\r\n`;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const idle: Connection[] = [];
  const all: Connection[] = [];
  const waiting: Pending[] = [];
  let answered = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));

  const onAnswer = (c: Connection, status: number): void => {
    const p = c.current;
    c.current = undefined;
    if (p) {
      latencies.push(epochMs() - p.scheduled);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      answered++;
    }
    const next = waiting.shift();
    if (next) write(c, next);
    else idle.push(c);
    if (answered === total) finish();
  };
  const write = (c: Connection, p: Pending): void => {
    c.current = p;
    c.socket.cork();
    c.socket.write(`${fixedHead}x-github-delivery: ${p.id}\r\n\r\n`);
    c.socket.write(delivery.body);
    c.socket.uncork();
  };
  const open = (): Connection => {
    const socket = connect(opts.port, "127.0.0.1");
    const c = new Connection(socket, onAnswer);
    socket.on("error", () => {
      // A refused or reset connection fails its request (status 0) and leaves the pool.
      const i = all.indexOf(c);
      if (i >= 0) all.splice(i, 1);
      const j = idle.indexOf(c);
      if (j >= 0) idle.splice(j, 1);
      if (c.current) onAnswer(c, 0);
    });
    all.push(c);
    return c;
  };
  const send = (p: Pending): void => {
    opts.onSend?.(p.id, p.scheduled);
    const c = idle.pop() ?? (all.length < maxConnections ? open() : undefined);
    if (c) write(c, p);
    else waiting.push(p);
  };

  const t0 = epochMs();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((epochMs() - t0) * rate) / 1000) + 1);
    for (; sent < due; sent++) send({ id: deliveryId(), scheduled: t0 + (sent * 1000) / rate });
    const nextAt = t0 + (sent * 1000) / rate;
    const wait = nextAt - epochMs();
    await new Promise((r) => (wait > 1.5 ? setTimeout(r, Math.floor(wait - 0.5)) : setImmediate(r)));
  }
  // A request still unanswered 30 s after the last send counts as failed (status 0).
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([finished, new Promise<void>((r) => (timer = setTimeout(r, 30_000)))]);
  clearTimeout(timer);
  if (answered < total) statuses.set(0, (statuses.get(0) ?? 0) + total - answered);
  const elapsedMs = epochMs() - t0;
  for (const c of all) c.socket.destroy();
  return {
    latenciesMs: latencies,
    statuses,
    elapsedMs,
    achievedPerSec: (answered / elapsedMs) * 1000,
    connections: all.length,
  };
}
