import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Agent, request } from "node:http";
import { after, before, describe, it } from "node:test";
import { createWebhookServer, type IngestRequest, type IngestResponse } from "../../../../local/daemon/http-server.ts";
import { silentLogger } from "../../../../shared/logging/logger.ts";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  socketPort?: number;
}

function send(
  port: number,
  opts: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
    chunks?: Buffer[];
    agent?: Agent;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: opts.method ?? "POST",
        path: opts.path,
        headers: opts.headers,
        agent: opts.agent,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts).toString("utf8"),
            socketPort: req.socket?.localPort,
          }),
        );
      },
    );
    req.on("error", reject);
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

describe("webhook server", () => {
  const seen: IngestRequest[] = [];
  // A real ingest would verify and enqueue; this one answers with what it was given.
  async function ingest(req: IngestRequest): Promise<IngestResponse> {
    seen.push(req);
    if (req.path === "/boom") throw new Error("boom");
    const sha = createHash("sha256").update(req.rawBody).digest("hex");
    return {
      status: 202,
      headers: { "x-test": "1" },
      body: JSON.stringify({
        status: "accepted",
        sha,
        length: req.rawBody.length,
        method: req.method,
        path: req.path,
        sig: req.headers["x-signature"] ?? null,
      }),
    };
  }
  const server = createWebhookServer({
    host: "127.0.0.1",
    port: 0,
    bodyLimit: (path) => (path === "/small" ? 16 : 1024),
    ingest,
    logger: silentLogger,
  });
  let port = 0;
  before(async () => {
    port = (await server.listen()).port;
  });
  after(() => server.close());

  it("listens on an ephemeral port and reports it", () => {
    assert.ok(port > 0);
    assert.equal(server.address().port, port);
  });

  it("answers GET /healthz with 200 JSON", async () => {
    const r = await send(port, { method: "GET", path: "/healthz" });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { status: "ok" });
    assert.match(String(r.headers["content-type"]), /application\/json/);
  });

  it("passes the raw bytes, the path without query, and lower-cased headers to the ingest", async () => {
    const body = Buffer.from([0x7b, 0x22, 0xc3, 0xa9, 0x22, 0x3a, 0x31, 0x7d]);
    const r = await send(port, {
      path: "/hooks/deploy?x=1",
      headers: { "X-Signature": "sha256=abc", "Content-Type": "application/json" },
      body,
    });
    assert.equal(r.status, 202);
    assert.equal(r.headers["x-test"], "1");
    const answer = JSON.parse(r.body) as Record<string, unknown>;
    assert.equal(answer.sha, createHash("sha256").update(body).digest("hex"));
    assert.equal(answer.path, "/hooks/deploy");
    assert.equal(answer.sig, "sha256=abc");
    const last = seen.at(-1)!;
    assert.ok(Object.keys(last.headers).every((k) => k === k.toLowerCase()));
  });

  it("refuses more headers than the limit (100) with 431, on every Node, without calling the ingest", async () => {
    const before = seen.length;
    // 200 short headers are 2.4 KB: far under Node's 16 KiB, so only the count refuses them.
    const headers = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, "1"]));
    // A connection of its own: Node 22's parser refuses it already (clientError), and a refusal on a
    // kept-alive connection that has answered before is a reset (answerClientError).
    const agent = new Agent({ keepAlive: false });
    const r = await send(port, { path: "/big", headers, body: "{}", agent });
    agent.destroy();
    assert.equal(r.status, 431);
    assert.equal((JSON.parse(r.body) as { error: string }).error, "headers_too_large");
    assert.equal(seen.length, before);
  });

  it("refuses a declared body over the limit with 413 without calling the ingest", async () => {
    const before = seen.length;
    const r = await send(port, { path: "/small", body: "x".repeat(17) });
    assert.equal(r.status, 413);
    assert.equal((JSON.parse(r.body) as { error: string }).error, "body_too_large");
    assert.equal(seen.length, before);
  });

  it("stops reading a chunked body once it passes the limit", async () => {
    const before = seen.length;
    const r = await send(port, {
      path: "/hooks/x",
      headers: { "transfer-encoding": "chunked" },
      chunks: [Buffer.alloc(600, 1), Buffer.alloc(600, 2)],
    }).catch((err: unknown) => err);
    // Either the 413 arrives, or the server closed the socket mid-upload; the ingest never ran.
    if (!(r instanceof Error)) assert.equal((r as Reply).status, 413);
    assert.equal(seen.length, before);
  });

  it("accepts a body exactly at the limit", async () => {
    const r = await send(port, { path: "/small", body: "y".repeat(16) });
    assert.equal(r.status, 202);
    assert.equal((JSON.parse(r.body) as { length: number }).length, 16);
  });

  it("keeps connections alive across requests", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const a = await send(port, { path: "/hooks/a", body: "1", agent });
    const b = await send(port, { path: "/hooks/b", body: "2", agent });
    agent.destroy();
    assert.equal(a.status, 202);
    assert.equal(b.status, 202);
    assert.equal(a.socketPort, b.socketPort);
  });

  it("answers 500 JSON when the ingest throws, and keeps serving", async () => {
    const r = await send(port, { path: "/boom", body: "{}" });
    assert.equal(r.status, 500);
    assert.equal((JSON.parse(r.body) as { error: string }).error, "internal_error");
    const ok = await send(port, { method: "GET", path: "/healthz" });
    assert.equal(ok.status, 200);
  });

  it("says which method /healthz takes", async () => {
    const r = await send(port, { method: "POST", path: "/healthz", body: "" });
    assert.equal(r.status, 405);
  });
});
