/** One trace per event, through the shared admission and runJob: the tree of a three-step pipeline. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { OrchestratorConfig } from "../../../shared/config/schema.ts";
import { manualEvent } from "../../../shared/events/manual-event.ts";
import { configRoute, createAdmission } from "../../../shared/ingest/admit.ts";
import { priceTable } from "../../../shared/guardrails/price-table.ts";
import { MemoryHistoryStore } from "../../../shared/memory/memory-history-store.ts";
import { MemoryJobQueue } from "../../../shared/memory/memory-job-queue.ts";
import { MemoryJobStore } from "../../../shared/memory/memory-job-store.ts";
import { MemoryLastRunStore } from "../../../shared/memory/memory-last-run-store.ts";
import { MapSecretStore } from "../../../shared/memory/memory-secret-store.ts";
import { MemorySpanStore } from "../../../shared/memory/memory-span-store.ts";
import { createPipelineRunner, mapRecipeSource } from "../../../shared/pipeline/create-pipeline-runner.ts";
import { runJob } from "../../../shared/runner/run-job.ts";
import { createEventTracer } from "../../../shared/tracing/event-tracer.ts";
import { storeSpanExporter } from "../../../shared/tracing/store-span-exporter.ts";
import { rootSpanIdOf, traceIdOf } from "../../../shared/tracing/trace-context.ts";
import { renderTraceTree } from "../../../shared/tracing/trace-tree.ts";
import { recordingHooks, settableClock } from "../guardrails/support.ts";

let root = "";
before(async () => {
  root = await mkdtemp(join(tmpdir(), "evd-trace-"));
});
after(() => rm(root, { recursive: true, force: true }));

describe("event tracer", () => {
  it("records one trace per event: the admission, the job, and a span per step with model, tokens and action", async () => {
    const config = OrchestratorConfig.parse({
      sources: [{ type: "manual", handler: "report" }],
      handlers: {
        report: {
          steps: [
            { id: "draft", prompt: "Summarise {payload.topic}" },
            { tool: "tool-filesystem", action: "write", path: "out/report.md" },
            { id: "polish", prompt: "Polish: {steps.0.output}", model: "claude-sonnet-4-5" },
          ],
        },
      },
      tools: { "tool-filesystem": { root } },
    });
    const clock = settableClock("2026-05-01T10:00:00Z");
    const ticking = { now: () => (clock.advance(3), clock.now()) };
    const hooks = recordingHooks();
    const spans = new MemorySpanStore();
    const tracer = createEventTracer({
      serviceName: "evd-test",
      exporters: [storeSpanExporter(spans)],
      clock: ticking,
      prices: priceTable(),
    });
    const queue = new MemoryJobQueue();
    const admit = createAdmission({
      route: configRoute(config),
      queue,
      hooks: hooks.bus,
      clock: ticking,
      logger: hooks.logger,
      tracer,
    });
    const event = manualEvent({ id: "ev-1", payload: { topic: "tracing" }, now: new Date(clock.now()) });
    assert.equal((await admit(event, { handler: "report" })).kind, "accepted");
    const job = queue.take()!;
    const outcome = await runJob(job, config, {
      jobs: new MemoryJobStore(),
      history: new MemoryHistoryStore(),
      lastRun: new MemoryLastRunStore(),
      pipeline: createPipelineRunner(config, {
        recipes: mapRecipeSource({}),
        secrets: new MapSecretStore({}),
        filesystemRoot: root,
        logger: hooks.logger,
      }),
      hooks: hooks.bus,
      clock: ticking,
      logger: hooks.logger,
      leaseMs: 60_000,
      tracer,
    });
    assert.equal(outcome.kind, "completed");
    await tracer.flush();

    const recorded = await spans.spansOfEvent(event.id);
    assert.deepEqual(
      recorded.map((s) => s.name),
      [
        "event manual cli",
        "job report",
        "prompt steps[0] (draft)",
        "tool-filesystem.write steps[1]",
        "prompt steps[2] (polish)",
      ],
    );
    assert.ok(
      recorded.every((s) => s.trace_id === traceIdOf(event.id)),
      "one trace, its id derived from the event id",
    );
    const [admission, jobSpan, draft, write, polish] = recorded;
    assert.equal(admission!.span_id, rootSpanIdOf(event.id));
    assert.equal(admission!.parent_span_id, undefined);
    assert.equal(jobSpan!.parent_span_id, admission!.span_id);
    for (const step of [draft, write, polish]) assert.equal(step!.parent_span_id, jobSpan!.span_id);
    assert.equal(draft!.attributes["gen_ai.system"], "echo");
    assert.equal(draft!.attributes["gen_ai.request.model"], "echo");
    assert.ok(Number(draft!.attributes["gen_ai.usage.input_tokens"]) > 0);
    assert.ok(Number(draft!.attributes["gen_ai.usage.output_tokens"]) > 0);
    assert.equal(polish!.attributes["gen_ai.request.model"], "claude-sonnet-4-5");
    assert.equal(write!.attributes["evd.tool.action"], "tool-filesystem.write:out/report.md");
    assert.equal(jobSpan!.attributes["evd.status"], "succeeded");
    assert.ok(Number(jobSpan!.attributes["evd.cost_usd"]) > 0, "the Sonnet step is priced");

    const tree = renderTraceTree(recorded).split("\n");
    assert.equal(tree[0], `trace ${traceIdOf(event.id)}`);
    assert.match(tree[1]!, /^event manual cli {2}accepted {2}\d+ ms$/);
    assert.match(
      tree[2]!,
      /^└─ job report {2}attempt 1 {2}succeeded {2}tokens \d+ in \/ \d+ out {2}\$\d\.\d{4} {2}\d+ ms$/,
    );
    assert.match(tree[3]!, /^ {3}├─ prompt steps\[0\] \(draft\) {2}model echo {2}tokens \d+ in \/ \d+ out {2}\d+ ms$/);
    assert.match(
      tree[4]!,
      /^ {3}├─ tool-filesystem.write steps\[1\] {2}tool-filesystem.write:out\/report.md {2}\d+ ms$/,
    );
    assert.match(tree[5]!, /^ {3}└─ prompt steps\[2\] \(polish\) {2}model claude-sonnet-4-5 {2}tokens/);
  });

  it("parents a job on the traceparent it carries, and a failed step shows its error", async () => {
    const clock = settableClock("2026-05-01T10:00:00Z");
    const spans = new MemorySpanStore();
    const tracer = createEventTracer({ serviceName: "t", exporters: [storeSpanExporter(spans)], clock });
    const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const event = manualEvent({ id: "ev-2", payload: {}, now: new Date(clock.now()) });
    const job = tracer.job(
      { id: `${event.id}#h`, handler: "h", event, attempt: 2, enqueued_at: "", traceparent: parent },
      2,
    );
    const step = job.observer.step({ where: "steps[0]", kind: "tool", index: 0, tool: "tool-http", action: "request" });
    step.end({ error: "steps[0]: tool-http: HTTP 500" });
    job.end({
      event_id: event.id,
      success: false,
      actions_taken: [],
      output: null,
      status: "failed",
      error: "steps[0]: tool-http: HTTP 500",
    });
    await tracer.flush();
    const recorded = await spans.spansOfEvent(event.id);
    const jobSpan = recorded.find((s) => s.name === "job h");
    const stepSpan = recorded.find((s) => s.name !== "job h");
    assert.equal(jobSpan!.trace_id, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(jobSpan!.parent_span_id, "b7ad6b7169203331");
    assert.equal(stepSpan!.status, "error");
    const tree = renderTraceTree([jobSpan!, stepSpan!]);
    assert.match(tree, /job h {2}attempt 2 {2}failed {2}\d+ ms {2}ERROR steps\[0\]: tool-http: HTTP 500/);
    assert.match(tree, /└─ tool-http.request steps\[0\] {2}\d+ ms {2}ERROR steps\[0\]: tool-http: HTTP 500/);
  });
});
