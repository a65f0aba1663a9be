/**
 * Memory and time a sender can take before authentication (issue 13 item 3). Before the fix, 100
 * unsigned connections each sending 9 MiB took the daemon from 127 MiB to 1 GiB of RSS, a slow
 * body was allowed about 325 s and connections were not capped. Now: one budget of buffered body
 * bytes across all requests (64 MiB), at most 256 connections, 10 s for headers and 30 s for a
 * whole request, and over-limit requests answered before their body is read.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { waitFor } from "../harness/wait-for.ts";
import { rawHttp } from "./helpers/raw-http.ts";
import { startHostileDaemon, type HostileDaemon } from "./helpers/hostile-daemon.ts";

/** The bound this suite holds the daemon to while 100 senders push 9 MiB each (budget 64 MiB + the daemon itself). */
export const RSS_BOUND_MIB = 350;
const SENDERS = 100;
const BODY_BYTES = 9 * 1024 * 1024;

interface Outcome {
  status?: number;
  reset: boolean;
}

/** One unsigned sender: headers, then 9 MiB in 64 KiB writes as fast as the socket takes them. */
function bigUnsignedPost(port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let reset = false;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    socket.on("data", (d: Buffer) => (answer += d.toString("latin1")));
    socket.on("error", () => (reset = true));
    socket.on("close", () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      resolve({ ...(status ? { status: Number(status) } : {}), reset });
    });
    socket.on("connect", () => {
      socket.write(
        `POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${BODY_BYTES}\r\n\r\n`,
      );
      let sent = 0;
      const pump = (): void => {
        while (sent < BODY_BYTES && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once("drain", pump);
        }
        if (!socket.destroyed) socket.end();
      };
      pump();
    });
    socket.setTimeout(60_000, () => socket.destroy());
  });
}

describe("security: memory and time before authentication", () => {
  let d: HostileDaemon;
  before(async () => {
    d = await startHostileDaemon("memory");
  });
  after(() => d.stop());

  it(`100 unsigned senders of 9 MiB each: RSS stays under ${RSS_BOUND_MIB} MiB, all refused, nothing enqueued`, async () => {
    const baseline = d.rssMiB();
    const jobsBefore = await d.jobs();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, d.rssMiB())), 20);
    let outcomes: Outcome[];
    try {
      outcomes = await Promise.all(Array.from({ length: SENDERS }, () => bigUnsignedPost(d.port)));
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, d.rssMiB());
    process.stdout.write(
      `# RSS: baseline ${baseline.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB under ${SENDERS} x 9 MiB\n`,
    );
    assert.ok(peak < RSS_BOUND_MIB, `peak RSS ${peak.toFixed(0)} MiB >= ${RSS_BOUND_MIB} MiB`);
    // Every sender was refused: unsigned (401), or over the buffer budget (503), or cut off.
    for (const o of outcomes) assert.ok(o.status === undefined || [401, 503].includes(o.status), JSON.stringify(o));
    assert.ok(
      outcomes.some((o) => o.status === 503),
      "some senders were turned away by the budget",
    );
    assert.equal(await d.jobs(), jobsBefore);
    assert.ok(await d.healthy());
  });

  it("times out slow headers (10 s), a slow body (30 s) and idle connections, in seconds not minutes", async () => {
    const [headers, body, idle] = await Promise.all([
      rawHttp(d.port, "POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nX-Signature: sha", { timeoutMs: 60_000 }),
      rawHttp(
        d.port,
        [
          { bytes: "POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n{" },
          { bytes: '"a":', delayMs: 1000 },
        ],
        { timeoutMs: 60_000 },
      ),
      rawHttp(d.port, "", { timeoutMs: 60_000 }),
    ]);
    for (const [what, r, limitMs] of [
      ["slow headers", headers, 10_000],
      ["slow body", body, 30_000],
      ["idle connection", idle, 10_000],
    ] as const) {
      assert.equal(r.first?.status, 408, `${what}: ${JSON.stringify(r.first)}`);
      assert.equal(r.first?.json?.error, "request_timeout");
      assert.ok(r.closed, `${what}: connection closed`);
      assert.ok(r.elapsedMs < limitMs + 5_000, `${what} took ${r.elapsedMs} ms`);
    }
    assert.ok(await d.healthy());
  });

  it("caps connections at 256: the rest are dropped at once, and the daemon serves again when they go", async () => {
    const sockets: Socket[] = [];
    let dropped = 0;
    await Promise.all(
      Array.from(
        { length: 300 },
        () =>
          new Promise<void>((resolve) => {
            const s = connect(d.port, "127.0.0.1", () => resolve());
            s.on("error", () => undefined);
            s.on("close", () => (dropped += 1));
            sockets.push(s);
          }),
      ),
    );
    await waitFor(() => dropped >= 300 - 256, "connections over the cap to be dropped", 10_000);
    assert.ok(dropped >= 44, `dropped ${dropped}`);
    for (const s of sockets) s.destroy();
    await waitFor(() => d.healthy(), "/healthz once the connections are gone", 15_000);
  });
});
