import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestratorConfig, type OrchestratorConfigInput } from "../../../shared/config/schema.ts";
import type { Event, Job } from "../../../shared/events/event.ts";
import { createHookBus } from "../../../shared/hooks/hook-bus.ts";
import type { HookData, HookFn, LifecycleEvent } from "../../../shared/hooks/lifecycle.ts";
import { createIngest, type IngestRequest } from "../../../shared/ingest/ingest.ts";
import { ingestRequest } from "../../../shared/ingest/ingest-request.ts";
import { jsonLogger, type Logger } from "../../../shared/logging/logger.ts";
import { MemoryJobQueue } from "../../../shared/memory/memory-job-queue.ts";
import { MapSecretStore } from "../../../shared/memory/memory-secret-store.ts";
import type { JobQueue, SubmitOutcome } from "../../../shared/ports/job-queue.ts";
import { signHmacSha256, signStandardWebhook } from "../../../shared/signatures/sign.ts";
import { githubExample, signedGithubDelivery } from "../../fixtures/github.ts";

const NOW = Date.parse("2026-06-01T08:00:00.000Z");
const GH_SECRET = "gh-test-secret";
const DEPLOY_SECRET = "deploy-test-secret";
const SW_SECRET = `whsec_${Buffer.from("standard-webhooks-test-key").toString("base64")}`;

/** The real hook bus, with a first hook that records every emitted lifecycle event. */
function recordingBus(hooks: HookFn[], logger: Logger) {
  const emitted: { name: LifecycleEvent; data: HookData }[] = [];
  const recorder: HookFn = (name, data) => {
    emitted.push({ name, data });
  };
  return { bus: createHookBus([recorder, ...hooks], logger), emitted };
}

const baseConfig: OrchestratorConfigInput = {
  sources: [
    { type: "git_push", branches: ["master"], handler: "on-push" },
    { type: "git_pr", events: ["opened", "synchronize"], handler: "on-pr" },
    { type: "webhook", path: "/hooks/deploy", secret: "${DEPLOY_SECRET}", handler: "on-deploy" },
    { type: "webhook", path: "/hooks/sw", secret: "${SW_SECRET}", signature: "standard-webhooks", handler: "on-sw" },
    { type: "webhook", path: "/hooks/open", signature: "none", handler: "on-open", max_body_bytes: 64 },
    { type: "webhook", path: "/hooks/nosecret", handler: "on-open" },
    { type: "webhook", path: "/hooks/missing-secret", secret: "${NOT_SET}", handler: "on-open" },
  ],
  handlers: {
    "on-push": { prompt: "p" },
    "on-pr": { prompt: "p" },
    "on-deploy": { prompt: "p" },
    "on-sw": { prompt: "p" },
    "on-open": { prompt: "p" },
  },
};

function setup(opts: { config?: OrchestratorConfigInput; queue?: JobQueue; hooks?: HookFn[] } = {}) {
  const config = OrchestratorConfig.parse(opts.config ?? baseConfig);
  const queue = opts.queue ?? new MemoryJobQueue({ capacity: 100 });
  const logs: Record<string, unknown>[] = [];
  const logger: Logger = jsonLogger((l) => logs.push(JSON.parse(l) as Record<string, unknown>), { level: "debug" });
  const { bus, emitted } = recordingBus(opts.hooks ?? [], logger);
  const ingest = createIngest({
    config,
    queue,
    hooks: bus,
    logger,
    secrets: new MapSecretStore({ GITHUB_WEBHOOK_SECRET: GH_SECRET, DEPLOY_SECRET, SW_SECRET }),
    clock: { now: () => NOW },
  });
  const call = async (req: Partial<IngestRequest> & { body?: string | Buffer }) => {
    // As every adapter builds it (one header normalisation).
    const res = await ingest(
      ingestRequest(
        req.method ?? "POST",
        req.path ?? "/github",
        req.headers,
        req.rawBody ?? Buffer.from(req.body ?? ""),
      ),
    );
    return { ...res, json: JSON.parse(res.body) as Record<string, unknown> };
  };
  return { call, queue, emitted, logs };
}

function github(
  event: string,
  payload: Record<string, unknown>,
  extra: { deliveryId?: string; secret?: string; contentType?: "json" | "form" } = {},
) {
  const d = signedGithubDelivery({
    event,
    payload,
    secret: extra.secret ?? GH_SECRET,
    deliveryId: extra.deliveryId,
    contentType: extra.contentType,
  });
  return { path: "/github", headers: d.headers, body: d.body };
}

function pendingOf(queue: JobQueue): Job[] {
  return (queue as MemoryJobQueue).pending();
}

describe("ingest: GitHub deliveries", () => {
  it("accepts a signed push with 202, enqueues one job per handler and emits event:queued", async () => {
    const { call, queue, emitted } = setup();
    const res = await call(github("push", githubExample("push"), { deliveryId: "d-push-1" }));
    assert.equal(res.status, 202);
    assert.deepEqual(res.json, { status: "accepted", event_id: "d-push-1", jobs: ["d-push-1#on-push"] });
    assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
    const [job] = pendingOf(queue);
    assert.equal(job!.event.type, "git_push");
    assert.equal(job!.event.payload.branch, "master");
    assert.deepEqual(
      emitted.map((e) => e.name),
      ["event:received", "event:queued"],
    );
    assert.equal(emitted[1]!.data.job_id, "d-push-1#on-push");
  });

  it("answers a redelivery with 202 duplicate and enqueues nothing", async () => {
    const { call, queue } = setup();
    const delivery = github("pull_request", githubExample("pull_request", "synchronize"), { deliveryId: "d-pr-1" });
    assert.equal((await call(delivery)).json.status, "accepted");
    const again = await call(delivery);
    assert.equal(again.status, 202);
    assert.deepEqual(again.json, { status: "duplicate", event_id: "d-pr-1", jobs: ["d-pr-1#on-pr"] });
    assert.equal(pendingOf(queue).length, 1);
  });

  it("accepts GitHub's form-encoded content type", async () => {
    const { call, queue } = setup();
    const res = await call(github("pull_request", githubExample("pull_request", "opened"), { contentType: "form" }));
    assert.equal(res.status, 202, res.body);
    assert.equal(pendingOf(queue)[0]!.event.payload.number, 2);
  });

  it("reads headers case-insensitively", async () => {
    const { call } = setup();
    const d = github("push", githubExample("push"));
    const upper = Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k.toUpperCase(), v]));
    assert.equal((await call({ ...d, headers: upper })).status, 202);
  });

  it("answers ping and unrouted events 200 ignored", async () => {
    const { call, queue } = setup();
    const ping = await call(github("ping", githubExample("ping"), { deliveryId: "d-ping" }));
    assert.equal(ping.status, 200);
    assert.equal(ping.json.status, "ignored");
    assert.equal(ping.json.event_id, "d-ping");
    const closed = await call(github("pull_request", githubExample("pull_request", "closed")));
    assert.equal(closed.json.status, "ignored");
    assert.equal(pendingOf(queue).length, 0);
  });

  it("refuses a wrong or missing signature with 401, never revealing the expected one", async () => {
    const { call, queue } = setup();
    const d = github("push", githubExample("push"), { secret: "wrong" });
    const res = await call(d);
    assert.equal(res.status, 401);
    assert.equal(res.json.error, "invalid_signature");
    const right = signedGithubDelivery({ event: "push", payload: githubExample("push"), secret: GH_SECRET });
    assert.ok(!res.body.includes(right.headers["x-hub-signature-256"]!.slice(7)));
    assert.ok(!res.body.includes(GH_SECRET));
    const { "x-hub-signature-256": _sig, ...unsigned } = d.headers;
    const missing = await call({ ...d, headers: unsigned });
    assert.equal(missing.status, 401);
    assert.match(String(missing.json.message), /signature/i);
    // a tampered body with a valid-looking signature
    const tampered = github("push", githubExample("push"));
    assert.equal((await call({ ...tampered, body: tampered.body.replace("master", "main") })).status, 401);
    assert.equal(pendingOf(queue).length, 0);
  });

  it("refuses missing GitHub headers with 400 naming the header", async () => {
    const { call } = setup();
    const d = github("push", githubExample("push"));
    const { "x-github-event": _e, ...noEvent } = d.headers;
    const r1 = await call({ ...d, headers: noEvent });
    assert.equal(r1.status, 400);
    assert.equal(r1.json.error, "missing_header");
    assert.match(String(r1.json.message), /X-GitHub-Event/);
    const { "x-github-delivery": _d, ...noDelivery } = d.headers;
    const r2 = await call({ ...d, headers: noDelivery });
    assert.equal(r2.status, 400);
    assert.match(String(r2.json.message), /X-GitHub-Delivery/);
  });

  it("refuses a malformed body with 400 and the parse position", async () => {
    const { call } = setup();
    const body = '{"ref": "refs/heads/master",';
    const d = signedGithubDelivery({ event: "push", payload: {}, secret: GH_SECRET });
    const headers = { ...d.headers, "x-hub-signature-256": `sha256=${signHmacSha256(GH_SECRET, body).slice(7)}` };
    const res = await call({ path: "/github", headers, body });
    assert.equal(res.status, 400);
    assert.equal(res.json.error, "invalid_body");
    assert.match(String(res.json.message), /not valid JSON.*position \d+/);
  });

  it("refuses a push payload without ref with 400", async () => {
    const { call } = setup();
    const res = await call(github("push", { commits: [] }));
    assert.equal(res.status, 400);
    assert.equal(res.json.error, "invalid_event");
  });

  it("routes only to sources whose secret verified the delivery", async () => {
    const { call, queue } = setup({
      config: {
        sources: [
          { type: "git_push", secret: "secret-a", handler: "repo-a" },
          { type: "git_push", secret: "secret-b", handler: "repo-b" },
        ],
        handlers: { "repo-a": { prompt: "p" }, "repo-b": { prompt: "p" } },
      },
    });
    const res = await call(github("push", githubExample("push"), { secret: "secret-b", deliveryId: "d-b" }));
    assert.deepEqual(res.json.jobs, ["d-b#repo-b"]);
    assert.equal(pendingOf(queue).length, 1);
  });
});

describe("ingest: refusals before reading the body", () => {
  it("answers 404 for an unknown path without listing the known ones", async () => {
    const { call } = setup();
    const res = await call({ path: "/nope", body: "{}" });
    assert.equal(res.status, 404);
    assert.equal(res.json.error, "not_found");
    assert.ok(!res.body.includes("/github") && !res.body.includes("/hooks"));
  });

  it("answers 405 with allow: POST for another method", async () => {
    const { call } = setup();
    const res = await call({ method: "GET", path: "/github" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, "POST");
  });

  it("answers 413 over the global or per-source body limit", async () => {
    const { call, queue } = setup({ config: { ...baseConfig, max_body_bytes: 1024 } });
    const big = github("push", { ...githubExample("push"), pad: "x".repeat(2048) });
    const res = await call(big);
    assert.equal(res.status, 413);
    assert.equal(res.json.error, "payload_too_large");
    const small = await call({ path: "/hooks/open", body: JSON.stringify({ pad: "y".repeat(100) }) });
    assert.equal(small.status, 413);
    assert.equal(pendingOf(queue).length, 0);
  });

  it("ignores a query string on the path", async () => {
    const { call } = setup();
    assert.equal((await call({ ...github("push", githubExample("push")), path: "/github?x=1" })).status, 202);
  });
});

describe("ingest: generic webhooks", () => {
  const body = JSON.stringify({ environment: "production", version: "1.2.3" });

  it("accepts an X-Signature HMAC-SHA256 delivery; the id is the body hash, so a resend is a duplicate", async () => {
    const { call, queue } = setup();
    const req = {
      path: "/hooks/deploy",
      headers: { "x-signature": signHmacSha256(DEPLOY_SECRET, body), "content-type": "application/json" },
      body,
    };
    const res = await call(req);
    assert.equal(res.status, 202);
    assert.equal(res.json.status, "accepted");
    assert.match(String(res.json.event_id), /^webhook:\/hooks\/deploy:sha256:[0-9a-f]{64}$/);
    assert.deepEqual(pendingOf(queue)[0]!.event.payload, { environment: "production", version: "1.2.3" });
    assert.equal((await call(req)).json.status, "duplicate");
  });

  it("ignores an unsigned webhook-id under X-Signature: a replay with a new id is still a duplicate", async () => {
    const { call } = setup();
    const headers = { "x-signature": signHmacSha256(DEPLOY_SECRET, body) };
    const first = await call({ path: "/hooks/deploy", headers: { ...headers, "webhook-id": "one" }, body });
    assert.match(String(first.json.event_id), /sha256:/);
    const replay = await call({ path: "/hooks/deploy", headers: { ...headers, "webhook-id": "two" }, body });
    assert.equal(replay.json.status, "duplicate");
  });

  it("refuses a webhook with a bad or missing X-Signature", async () => {
    const { call } = setup();
    assert.equal(
      (await call({ path: "/hooks/deploy", headers: { "x-signature": signHmacSha256("nope", body) }, body })).status,
      401,
    );
    assert.equal((await call({ path: "/hooks/deploy", body })).status, 401);
  });

  it("a webhook whose secret is a whsec_ one and sets no signature uses Standard Webhooks (reference or literal)", async () => {
    const config: OrchestratorConfigInput = {
      sources: [
        { type: "webhook", path: "/hooks/ref", secret: "${SW_SECRET}", handler: "h" },
        { type: "webhook", path: "/hooks/literal", secret: SW_SECRET, handler: "h" },
        { type: "webhook", path: "/hooks/plain", secret: "${DEPLOY_SECRET}", handler: "h" },
      ],
      handlers: { h: { prompt: "p" } },
    };
    const { call } = setup({ config });
    const ts = Math.floor(NOW / 1000);
    for (const path of ["/hooks/ref", "/hooks/literal"]) {
      const headers = {
        "webhook-id": `msg-${path.length}`,
        "webhook-timestamp": String(ts),
        "webhook-signature": signStandardWebhook(SW_SECRET, `msg-${path.length}`, ts, body),
      };
      const res = await call({ path, headers, body });
      assert.equal(res.status, 202, `${path}: ${res.body}`);
      assert.equal(res.json.event_id, `webhook:${path}:msg-${path.length}`, "the signed webhook-id is the id");
      const hmac = await call({ path, headers: { "x-signature": signHmacSha256(SW_SECRET, body) }, body });
      assert.equal(hmac.status, 401, `${path}: X-Signature is not what a whsec_ secret verifies`);
    }
    const plain = await call({
      path: "/hooks/plain",
      headers: { "x-signature": signHmacSha256(DEPLOY_SECRET, body) },
      body,
    });
    assert.equal(plain.status, 202, "any other secret: HMAC-SHA256 over the body");
  });

  it("verifies Standard Webhooks and takes the event id from webhook-id", async () => {
    const { call } = setup();
    const ts = Math.floor(NOW / 1000);
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(ts),
      "webhook-signature": signStandardWebhook(SW_SECRET, "msg_1", ts, body),
    };
    const res = await call({ path: "/hooks/sw", headers, body });
    assert.equal(res.status, 202, res.body);
    assert.equal(res.json.event_id, "webhook:/hooks/sw:msg_1");
    const stale = {
      ...headers,
      "webhook-timestamp": String(ts - 3600),
      "webhook-signature": signStandardWebhook(SW_SECRET, "msg_1", ts - 3600, body),
    };
    const old = await call({ path: "/hooks/sw", headers: stale, body });
    assert.equal(old.status, 401);
    assert.match(String(old.json.message), /tolerance/);
  });

  it("accepts unsigned requests only with signature: none", async () => {
    const { call, queue } = setup();
    const open = await call({ path: "/hooks/open", body: "{}" });
    assert.equal(open.status, 202);
    assert.deepEqual(pendingOf(queue)[0]!.event.payload, {});
    const noSecret = await call({ path: "/hooks/nosecret", body: "{}" });
    assert.equal(noSecret.status, 401);
    assert.match(String(noSecret.json.message), /no secret configured/);
  });

  it("reads a JSON body as JSON whatever the Content-Type: the spec's curl -d (form-urlencoded) works as written", async () => {
    const { call, queue } = setup();
    const body = '{"environment": "production", "version": "1.2.3"}';
    const res = await call({
      path: "/hooks/deploy",
      headers: {
        "x-signature": signHmacSha256(DEPLOY_SECRET, body),
        "content-type": "application/x-www-form-urlencoded",
      },
      body,
    });
    assert.equal(res.status, 202, res.body);
    assert.deepEqual(pendingOf(queue)[0]!.event.payload, { environment: "production", version: "1.2.3" });
  });

  it("reads GitHub's form delivery (payload=<JSON>) on a generic webhook too; the signature covers the raw form bytes", async () => {
    const { call, queue } = setup();
    const body = `payload=${encodeURIComponent('{"environment":"staging"}')}`;
    const res = await call({
      path: "/hooks/deploy",
      headers: {
        "x-signature": signHmacSha256(DEPLOY_SECRET, body),
        "content-type": "application/x-www-form-urlencoded",
      },
      body,
    });
    assert.equal(res.status, 202, res.body);
    assert.deepEqual(pendingOf(queue)[0]!.event.payload, { environment: "staging" });
  });

  it("refuses an empty or non-JSON body with 400 (signed or not), and enqueues nothing", async () => {
    const { call, queue } = setup();
    for (const body of ["", "  \n", "environment=production&version=1.2.3", "hello"]) {
      const res = await call({
        path: "/hooks/deploy",
        headers: {
          "x-signature": signHmacSha256(DEPLOY_SECRET, body),
          "content-type": "application/x-www-form-urlencoded",
        },
        body,
      });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.error, "invalid_body");
      assert.match(
        String(res.json.message),
        body.trim() === ""
          ? /the body is empty/
          : /the body is not JSON: expected a JSON object, or GitHub's form delivery/,
      );
    }
    const open = await call({ path: "/hooks/open", body: "" });
    assert.equal(open.status, 400);
    assert.equal(pendingOf(queue).length, 0);
  });

  it("refuses a JSON body that is not an object", async () => {
    const { call } = setup();
    const res = await call({ path: "/hooks/open", body: "[1,2]" });
    assert.equal(res.status, 400);
    assert.match(String(res.json.message), /JSON object, found an array/);
  });

  it("answers 503 when the secret cannot be resolved, without enqueuing", async () => {
    const { call, queue, logs } = setup();
    const res = await call({ path: "/hooks/missing-secret", headers: { "x-signature": "sha256=00" }, body });
    assert.equal(res.status, 503);
    assert.equal(res.json.error, "secret_unavailable");
    assert.equal(pendingOf(queue).length, 0);
    assert.ok(logs.some((l) => l.level === "error"));
  });
});

describe("ingest: hooks and the queue", () => {
  it("answers 200 skipped when an event:received hook skips, and enqueues nothing", async () => {
    const { call, queue } = setup({
      hooks: [
        (name, data) =>
          name === "event:received" && (data.event?.payload.sender as { type?: string } | undefined)?.type === "Bot"
            ? { action: "skip", reason: "Ignoring bot events" }
            : undefined,
      ],
    });
    const payload = { ...githubExample("push"), sender: { login: "dependabot[bot]", type: "Bot" } };
    const res = await call(github("push", payload, { deliveryId: "d-bot" }));
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { status: "skipped", event_id: "d-bot", reason: "Ignoring bot events" });
    assert.equal(pendingOf(queue).length, 0);
  });

  it("uses the payload a modify hook returns", async () => {
    const { call, queue } = setup({
      hooks: [
        (name, data) =>
          name === "event:received"
            ? { action: "modify", payload: { ...data.event!.payload, tagged: true } }
            : undefined,
      ],
    });
    await call(github("push", githubExample("push")));
    assert.equal(pendingOf(queue)[0]!.event.payload.tagged, true);
  });

  it("answers 429 with retry-after when the queue is full (queue/error policy)", async () => {
    const { call, queue } = setup({ queue: new MemoryJobQueue({ capacity: 1, overflow: "error" }) });
    assert.equal((await call(github("push", githubExample("push")))).status, 202);
    const res = await call(github("push", githubExample("push")));
    assert.equal(res.status, 429);
    assert.equal(res.json.error, "queue_full");
    assert.ok(Number(res.headers["retry-after"]) > 0);
    assert.equal(pendingOf(queue).length, 1);
  });

  it("answers 202 dropped and emits event:dropped under the drop policy", async () => {
    const { call, emitted } = setup({ queue: new MemoryJobQueue({ capacity: 0, overflow: "drop" }) });
    const res = await call(github("push", githubExample("push"), { deliveryId: "d-drop" }));
    assert.equal(res.status, 202);
    assert.equal(res.json.status, "dropped");
    const dropped = emitted.filter((e) => e.name === "event:dropped");
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0]!.data.job_id, "d-drop#on-push");
  });

  it("answers 503 when the queue fails, and claims nothing", async () => {
    class UnreachableQueue implements JobQueue {
      submitted = 0;
      async submit(_e: Event, _j: readonly Job[]): Promise<SubmitOutcome> {
        this.submitted++;
        throw new Error("connect ECONNREFUSED 127.0.0.1:9324");
      }
    }
    const queue = new UnreachableQueue();
    const { call, emitted } = setup({ queue });
    const res = await call(github("push", githubExample("push")));
    assert.equal(res.status, 503);
    assert.equal(res.json.error, "queue_unavailable");
    assert.ok(!res.body.includes("ECONNREFUSED"));
    assert.equal(emitted.filter((e) => e.name === "event:queued").length, 0);
  });
});
