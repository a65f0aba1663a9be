/**
 * The dashboard's HTTP layer over a fake source: the one-time login, the session cookie, the Host
 * and Origin checks, JSON-only state changes, bad input answered 4xx naming the problem.
 */
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createDashboardHttp, type DashboardHttp } from "../../../../local/dashboard/dashboard-http.ts";
import { DashboardSessions, cookieValue } from "../../../../local/dashboard/dashboard-sessions.ts";
import {
  DashboardRequestError,
  type DashboardSource,
  type JobSummary,
} from "../../../../local/dashboard/dashboard-source.ts";
import { silentLogger } from "../../../../shared/logging/logger.ts";

const job: JobSummary = {
  id: "e1#h",
  event_id: "e1",
  event_type: "manual",
  event_source: "cli",
  handler: "h",
  status: "succeeded",
  attempts: 1,
  received_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:01.000Z",
};

function fakeSource(calls: string[]): DashboardSource {
  const refuse = async (): Promise<never> => {
    throw new Error("not in this test");
  };
  return {
    overview: async () => ({
      kind: "daemon",
      title: "t",
      queue_depth: 0,
      running: 0,
      dead_letters: 0,
      approvals_waiting: 0,
      facts: [],
      can: { pause_sources: true, replay: true, approvals: false, trigger: true, redrive_one: true, traces: false },
    }),
    listJobs: async (q) => {
      calls.push(`jobs ${JSON.stringify(q)}`);
      return [job];
    },
    getJob: async (id) => (id === job.id ? { ...job, runs: [] } : undefined),
    changes: async (cursor) => ({ cursor: cursor ?? "0", jobs: cursor ? [job] : [] }),
    listSources: async () => [],
    setSourcePaused: async (name) => {
      throw new DashboardRequestError(404, `no source named "${name}"`);
    },
    listDeadLetters: async () => [],
    redrive: async (sel) => {
      calls.push(`redrive ${JSON.stringify(sel)}`);
      return { redriven: 1 };
    },
    listHandlers: async () => [],
    trigger: async (handler, payload) => {
      calls.push(`trigger ${handler} ${JSON.stringify(payload)}`);
      return { status: "accepted", event_id: "x", jobs: ["x#h"] };
    },
    replay: refuse,
    listApprovals: async () => [],
    decideApproval: refuse,
    trace: refuse,
    metrics: refuse,
  };
}

describe("dashboard HTTP", () => {
  let server: Server;
  let http: DashboardHttp;
  let origin = "";
  let cookie = "";
  const calls: string[] = [];

  const call = (
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(`${origin}${path}`, { method, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on("error", reject);
      req.end(body);
    });
  const postJson = (path: string, body: unknown, extra: Record<string, string> = {}) =>
    call("POST", path, { cookie, origin, "content-type": "application/json", ...extra }, JSON.stringify(body));

  before(async () => {
    http = createDashboardHttp({
      source: fakeSource(calls),
      sessions: new DashboardSessions(),
      origins: () => [origin],
      logger: silentLogger,
      pollMs: 10,
      loginHint: "ask for a new link",
    });
    server = createServer((req, res) => void http.handle(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    http.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("exchanges a login token once for an HttpOnly, SameSite=Strict cookie scoped to /ui", async () => {
    const path = http.loginPath();
    const first = await call("GET", path);
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, "/ui/");
    const setCookie = String(first.headers["set-cookie"]);
    assert.match(setCookie, /^evd_session=[\w-]{43}; Path=\/ui; HttpOnly; SameSite=Strict$/);
    cookie = `evd_session=${cookieValue(setCookie.split(";")[0], "evd_session")}`;
    const second = await call("GET", path);
    assert.equal(second.status, 401);
    assert.match(second.body, /ask for a new link/);
    assert.equal((await call("GET", "/ui/login?token=made-up")).status, 401);
  });

  it("serves the page and the API only with the session, and only under its own Host", async () => {
    assert.equal((await call("GET", "/ui/api/jobs")).status, 401);
    assert.equal((await call("GET", "/ui/api/jobs", { cookie: "evd_session=forged" })).status, 401);
    const page = await call("GET", "/ui/", { cookie });
    assert.equal(page.status, 200);
    assert.match(String(page.headers["content-security-policy"]), /default-src 'none'; script-src 'self'/);
    assert.equal(page.headers["x-frame-options"], "DENY");
    const js = await call("GET", "/ui/app.js", { cookie });
    assert.match(String(js.headers["content-type"]), /javascript/);
    assert.equal((await call("GET", "/ui/api/jobs", { cookie, host: "evil.example" })).status, 403);
    const jobs = await call("GET", "/ui/api/jobs?handler=h&status=succeeded&limit=5", { cookie });
    assert.equal(jobs.status, 200);
    assert.deepEqual(JSON.parse(jobs.body), [job]);
    assert.equal(calls.at(-1), 'jobs {"handler":"h","status":"succeeded","limit":5}');
  });

  it("takes state changes only as JSON from its own Origin", async () => {
    const before = calls.length;
    assert.equal((await postJson("/ui/api/trigger", { handler: "h" }, { origin: "http://127.0.0.1:1" })).status, 403);
    assert.equal(
      (await call("POST", "/ui/api/trigger", { cookie, "content-type": "application/json" }, "{}")).status,
      403,
    );
    const plain = await call("POST", "/ui/api/trigger", { cookie, origin, "content-type": "text/plain" }, "{}");
    assert.equal(plain.status, 415);
    assert.equal(calls.length, before, "nothing reached the source");
    const ok = await postJson("/ui/api/trigger", { handler: "h", payload: { a: 1 } });
    assert.equal(ok.status, 200);
    assert.equal(calls.at(-1), 'trigger h {"a":1}');
  });

  it("answers bad input with a 4xx that names the problem", async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ["POST", "/ui/api/trigger", { payload: {} }, 400, /handler name/],
      ["POST", "/ui/api/trigger", { handler: "h", payload: [1] }, 400, /JSON object/],
      ["POST", "/ui/api/dead-letters/redrive", {}, 400, /redrive needs/],
      ["POST", "/ui/api/sources/nope/pause", {}, 404, /no source named "nope"/],
      ["POST", "/ui/api/approvals/a1", { decision: "maybe" }, 400, /approve" or "deny/],
      ["GET", "/ui/api/jobs?status=weird", undefined, 400, /status must be one of/],
      ["GET", "/ui/api/jobs?limit=0", undefined, 400, /limit must be a positive integer/],
      ["GET", "/ui/api/jobs/unknown%23h", undefined, 404, /no job "unknown#h"/],
      ["GET", "/ui/api/jobs/bad%zz", undefined, 400, /percent-encoding/],
      ["DELETE", "/ui/api/jobs", undefined, 405, /DELETE/],
      ["GET", "/ui/api/nothing", undefined, 404, /GET \/ui\/api\/nothing/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = method === "POST" ? await postJson(path, body) : await call(method, path, { cookie, origin });
      assert.equal(res.status, status, `${method} ${path}: ${res.body}`);
      assert.match((JSON.parse(res.body) as { message: string }).message, message, `${method} ${path}`);
    }
    const notJson = await call(
      "POST",
      "/ui/api/trigger",
      { cookie, origin, "content-type": "application/json" },
      "{nope",
    );
    assert.equal(notJson.status, 400);
    assert.match(notJson.body, /not JSON/);
  });

  it("streams job changes as server-sent events", async () => {
    const res = await fetch(`${origin}/ui/api/stream`, { headers: { cookie } });
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("event: job")) text += new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /event: hello/);
    assert.match(text, /event: job\ndata: \{"id":"e1#h"/);
    await reader.cancel();
  });
});
