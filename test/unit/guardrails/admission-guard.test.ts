/** The guardrails as every entry point meets them: through the shared ingest and admission. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestratorConfig, type OrchestratorConfigInput } from "../../../shared/config/schema.ts";
import { createAdmissionGuard } from "../../../shared/guardrails/admission-guard.ts";
import { createStormBreaker } from "../../../shared/guardrails/storm-breaker.ts";
import { createIngest } from "../../../shared/ingest/ingest.ts";
import { ingestRequest } from "../../../shared/ingest/ingest-request.ts";
import { MemoryBreakerStore } from "../../../shared/memory/memory-breaker-store.ts";
import { MemoryJobQueue } from "../../../shared/memory/memory-job-queue.ts";
import { MapSecretStore } from "../../../shared/memory/memory-secret-store.ts";
import { signHmacSha256 } from "../../../shared/signatures/sign.ts";
import { createEventTracer } from "../../../shared/tracing/event-tracer.ts";
import { formatTraceparent, rootOf } from "../../../shared/tracing/trace-context.ts";
import { githubExample, signedGithubDelivery } from "../../fixtures/github.ts";
import { recordingHooks, settableClock } from "./support.ts";

const SECRET = "s3cret";

function setup(overrides: Partial<OrchestratorConfigInput> = {}) {
  const config = OrchestratorConfig.parse({
    sources: [
      { type: "webhook", path: "/hooks/flood", secret: "${SECRET}", handler: "h" },
      { type: "custom", github_events: ["issue_comment"], handler: "h" },
    ],
    handlers: { h: { prompt: "p" } },
    guardrails: { storm: { max_events: 2, window_seconds: 60, cooldown_seconds: 300 } },
    ...overrides,
  });
  const clock = settableClock("2026-05-01T10:00:00Z");
  const hooks = recordingHooks();
  const queue = new MemoryJobQueue({ capacity: 100, overflow: config.queue_overflow });
  const breaker = createStormBreaker(config.guardrails.storm, {
    store: new MemoryBreakerStore(),
    clock,
    hooks: hooks.bus,
    logger: hooks.logger,
  });
  const tracer = createEventTracer({ serviceName: "t", exporters: [], clock });
  const ingest = createIngest({
    config,
    queue,
    secrets: new MapSecretStore({ SECRET, GITHUB_WEBHOOK_SECRET: SECRET }),
    hooks: hooks.bus,
    clock,
    logger: hooks.logger,
    guard: createAdmissionGuard(config, breaker),
    tracer,
  });
  let n = 0;
  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const res = await ingest(
      ingestRequest(
        "POST",
        path,
        { "content-type": "application/json", "x-signature": signHmacSha256(SECRET, body), ...headers },
        Buffer.from(body),
      ),
    );
    return { ...res, json: JSON.parse(res.body) as Record<string, unknown> };
  };
  const flood = () => post("/hooks/flood", JSON.stringify({ n: n++ }));
  return { post, flood, queue, hooks, clock };
}

describe("admission guard (storm breaker, loop detection, trace context) through the shared ingest", () => {
  it("pauses a flooding webhook: 429 source_paused with the cooldown as retry-after, nothing enqueued, source:error", async () => {
    const { flood, queue, hooks, clock } = setup();
    assert.equal((await flood()).status, 202);
    assert.equal((await flood()).status, 202);
    const refused = await flood();
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error, "source_paused");
    assert.match(String(refused.json.message), /source "\/hooks\/flood" is paused by the storm breaker/);
    assert.equal(refused.headers["retry-after"], "300");
    assert.equal(queue.pending().length, 2, "the accepted two are queued, the refused one is not");
    assert.equal(hooks.emitted.filter((e) => e.name === "source:error").length, 1);
    clock.advance(300_000);
    assert.equal((await flood()).status, 202, "after the cooldown it is accepted again");
  });

  it("under queue_overflow: drop, records a paused source's events as dropped with the reason (replayable)", async () => {
    const { flood, queue, hooks } = setup({ queue_overflow: "drop" });
    await flood();
    await flood();
    const dropped = await flood();
    assert.equal(dropped.status, 202);
    assert.equal(dropped.json.status, "dropped");
    assert.match(String(dropped.json.reason), /paused by the storm breaker/);
    assert.equal(queue.dropped().length, 1);
    assert.equal(queue.events().length, 3, "the event is recorded");
    const drops = hooks.emitted.filter((e) => e.name === "event:dropped");
    assert.equal(drops.length, 1);
  });

  it("skips a GitHub comment event the project caused (200 skipped) and accepts a human's", async () => {
    const { post, queue } = setup();
    const mine = githubExample("issue_comment", "created");
    (mine.comment as { body: string }).body = "Looks good.\n\n<!-- loop-event-driven -->";
    const d = signedGithubDelivery({ event: "issue_comment", payload: mine, secret: SECRET });
    const res = await post("/github", d.body, d.headers);
    assert.equal(res.status, 200);
    assert.equal(res.json.status, "skipped");
    assert.match(String(res.json.reason), /loop guard: issue_comment event about a comment this project wrote/);
    const human = signedGithubDelivery({
      event: "issue_comment",
      payload: githubExample("issue_comment", "created"),
      secret: SECRET,
    });
    assert.equal((await post("/github", human.body, human.headers)).status, 202);
    assert.equal(queue.pending().length, 1);
  });

  it("records the evd-causation header in the event and cuts a chain past the depth limit", async () => {
    const { post, queue } = setup();
    const ok = await post("/hooks/flood", '{"a":1}', { "evd-causation": "3; webhook:/hooks/x:sha256:00" });
    assert.equal(ok.status, 202);
    assert.deepEqual(queue.pending()[0]!.event.metadata?.causation, {
      depth: 3,
      caused_by: "webhook:/hooks/x:sha256:00",
    });
    const cut = await post("/hooks/flood", '{"a":2}', { "evd-causation": "4; webhook:/hooks/x:sha256:01" });
    assert.equal(cut.status, 200);
    assert.match(String(cut.json.reason), /causation chain of depth 4 is deeper than guardrails.max_causation_depth 3/);
  });

  it("gives each job the traceparent of its event's admission span", async () => {
    const { flood, queue } = setup();
    const res = await flood();
    const job = queue.pending()[0]!;
    assert.equal(job.traceparent, formatTraceparent(rootOf(String(res.json.event_id))));
  });
});
