import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { OrchestratorConfig } from "../../../shared/config/schema.ts";
import { jobIdOf, type Event, type Job } from "../../../shared/events/event.ts";
import { manualEvent } from "../../../shared/events/manual-event.ts";
import { scheduleEvent } from "../../../shared/events/schedule-event.ts";
import { createHookBus } from "../../../shared/hooks/hook-bus.ts";
import type { HookData, HookFn, LifecycleEvent } from "../../../shared/hooks/lifecycle.ts";
import { jsonLogger } from "../../../shared/logging/logger.ts";
import { MemoryHistoryStore } from "../../../shared/memory/memory-history-store.ts";
import { MemoryJobStore } from "../../../shared/memory/memory-job-store.ts";
import { MemoryLastRunStore } from "../../../shared/memory/memory-last-run-store.ts";
import { MapSecretStore } from "../../../shared/memory/memory-secret-store.ts";
import { createPipelineRunner, mapRecipeSource } from "../../../shared/pipeline/create-pipeline-runner.ts";
import { RetryableError } from "../../../shared/retry/retry-intent.ts";
import { runJob, type RunJobDeps } from "../../../shared/runner/run-job.ts";

let server: Server;
let port = 0;
let root = "";
const hanging = new Set<ServerResponse>();

before(async () => {
  root = await mkdtemp(join(tmpdir(), "evd-runner-"));
  server = createServer((req, res) => {
    if (req.url === "/fail") {
      res.writeHead(500).end("boom");
    } else if (req.url === "/slow") {
      hanging.add(res); // answered only when the test ends
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(root, { recursive: true, force: true });
});

function makeConfig() {
  return OrchestratorConfig.parse({
    sources: [{ type: "schedule", name: "weekly", cron: "0 9 * * MON", handler: "weekly" }],
    handlers: {
      greet: {
        steps: [
          { prompt: "Hello {payload.name}" },
          { tool: "tool-filesystem", action: "write", path: "greet-{event.id}.txt", content: "{steps.0.output}" },
        ],
      },
      weekly: { prompt: "Summary since {last_run}" },
      flaky: { steps: [{ tool: "tool-http", action: "request", url: `http://127.0.0.1:${port}/fail` }] },
      slow: {
        timeout_ms: 150,
        steps: [{ tool: "tool-http", action: "request", url: `http://127.0.0.1:${port}/slow` }],
      },
      broken: { prompt: "Needs {payload.missing}" },
    },
    tools: { "tool-filesystem": { root }, "tool-http": { allow_hosts: [`127.0.0.1:${port}`] } },
  });
}

function harness(hooks: HookFn[] = []) {
  const config = makeConfig();
  const lines: Record<string, unknown>[] = [];
  const logger = jsonLogger((l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  const emitted: { name: LifecycleEvent; data: HookData }[] = [];
  const recorder: HookFn = (name, data) => {
    emitted.push({ name, data });
  };
  let now = Date.parse("2026-07-06T09:00:00.000Z");
  const deps: RunJobDeps = {
    jobs: new MemoryJobStore(),
    history: new MemoryHistoryStore(),
    lastRun: new MemoryLastRunStore(),
    pipeline: createPipelineRunner(config, {
      recipes: mapRecipeSource({}),
      secrets: new MapSecretStore({}),
      filesystemRoot: root,
      logger,
    }),
    hooks: createHookBus([recorder, ...hooks], logger),
    clock: { now: () => (now += 5) },
    logger,
    leaseMs: 600_000,
  };
  return { config, deps, lines, emitted };
}

function jobFor(event: Event, handler: string): Job {
  return { id: jobIdOf(event.id, handler), handler, event, attempt: 1, enqueued_at: event.timestamp };
}

const at = new Date("2026-07-06T09:00:00.000Z");

describe("runJob", () => {
  it("runs the pipeline, records the result, completes the job and emits start/end", async () => {
    const { config, deps, lines, emitted } = harness();
    const job = jobFor(manualEvent({ id: "ok-1", payload: { name: "Ada" }, now: at }), "greet");
    const outcome = await runJob(job, config, deps);
    assert.equal(outcome.kind, "completed");
    if (outcome.kind !== "completed") return;
    const r = outcome.result;
    assert.equal(r.success, true);
    assert.equal(r.status, "succeeded");
    assert.equal(r.job_id, "manual:ok-1#greet");
    assert.equal(r.handler, "greet");
    assert.equal(r.event_id, "manual:ok-1");
    assert.equal(r.attempt, 1);
    assert.ok(r.started_at && r.finished_at && typeof r.duration_ms === "number" && r.duration_ms >= 0);
    assert.ok(r.actions_taken.length >= 2);
    assert.ok(existsSync(join(root, "greet-manual:ok-1.txt")));
    assert.equal((await deps.jobs.get(job.id))?.state, "COMPLETED");
    assert.deepEqual(
      (await deps.history.list()).map((h) => h.job_id),
      ["manual:ok-1#greet"],
    );
    assert.deepEqual(
      emitted.map((e) => e.name),
      ["event:handler:start", "event:handler:end"],
    );
    assert.equal(emitted[1]!.data.result?.success, true);
    const runnerLines = lines.filter((l) => l.message === "job completed");
    assert.equal(runnerLines.length, 1);
    assert.equal(runnerLines[0]!.event_id, "manual:ok-1");
    assert.equal(runnerLines[0]!.job_id, "manual:ok-1#greet");
    assert.equal(runnerLines[0]!.handler, "greet");
  });

  it("never runs a completed job again (duplicate)", async () => {
    const { config, deps } = harness();
    const job = jobFor(manualEvent({ id: "dup-1", payload: { name: "Bo" }, now: at }), "greet");
    assert.equal((await runJob(job, config, deps)).kind, "completed");
    assert.deepEqual(await runJob(job, config, deps), { kind: "duplicate" });
    assert.equal((await deps.history.list()).length, 1);
  });

  it("answers busy while another runner holds the lease", async () => {
    const { config, deps } = harness();
    const job = jobFor(manualEvent({ id: "busy-1", payload: { name: "Cy" }, now: at }), "greet");
    await deps.jobs.claim(job.id, 600_000, deps.clock.now());
    assert.deepEqual(await runJob(job, config, deps), { kind: "busy" });
    assert.equal((await deps.history.list()).length, 0);
  });

  it("records a hook skip as SKIPPED, completes the job and does not run the pipeline", async () => {
    const deny: HookFn = (name) =>
      name === "event:handler:start" ? { action: "deny", reason: "maintenance window" } : undefined;
    const { config, deps, emitted } = harness([deny]);
    const job = jobFor(manualEvent({ id: "skip-1", payload: { name: "Di" }, now: at }), "greet");
    const outcome = await runJob(job, config, deps);
    assert.equal(outcome.kind, "skipped");
    if (outcome.kind !== "skipped") return;
    assert.equal(outcome.result.status, "skipped");
    assert.equal(outcome.result.reason, "maintenance window");
    assert.deepEqual(outcome.result.actions_taken, []);
    assert.ok(!existsSync(join(root, "greet-manual:skip-1.txt")));
    assert.equal((await deps.jobs.get(job.id))?.state, "COMPLETED");
    assert.equal((await deps.history.list({ status: "skipped" })).length, 1);
    assert.equal(emitted.at(-1)!.name, "event:handler:end");
    assert.deepEqual(await runJob(job, config, deps), { kind: "duplicate" });
  });

  it("fails a run past the handler's timeout_ms (retryable) and lets a retry claim it", async () => {
    const { config, deps } = harness();
    const job = jobFor(manualEvent({ id: "slow-1", now: at }), "slow");
    const outcome = await runJob(job, config, deps);
    assert.equal(outcome.kind, "failed");
    if (outcome.kind !== "failed") return;
    assert.equal(outcome.error instanceof RetryableError, true);
    assert.match(outcome.result.error ?? "", /timed out after 150 ms/);
    assert.equal((await deps.jobs.get(job.id))?.state, "FAILED");
    const retry = await deps.jobs.claim(job.id, 1000, deps.clock.now());
    assert.equal(retry.kind, "claimed");
    assert.equal(retry.record.attempts, 2);
  });

  it("marks a transient failure retryable and a permanent one (bad template) not", async () => {
    const { config, deps } = harness();
    const flaky = await runJob(jobFor(manualEvent({ id: "f-1", now: at }), "flaky"), config, deps);
    assert.equal(flaky.kind, "failed");
    assert.equal(flaky.kind === "failed" && flaky.error instanceof RetryableError, true);
    assert.match(flaky.kind === "failed" ? (flaky.result.error ?? "") : "", /HTTP 500/);
    const broken = await runJob(jobFor(manualEvent({ id: "b-1", now: at }), "broken"), config, deps);
    assert.equal(broken.kind, "failed");
    assert.equal(broken.kind === "failed" && broken.error instanceof RetryableError, false);
    assert.equal(broken.kind === "failed" && broken.result.status, "failed");
    assert.equal((await deps.history.list({ status: "failed" })).length, 2);
  });

  it("counts the attempt from the store on a retry", async () => {
    const { config, deps } = harness();
    const job = jobFor(manualEvent({ id: "f-2", now: at }), "flaky");
    await runJob(job, config, deps);
    const second = await runJob({ ...job, attempt: 2 }, config, deps);
    assert.equal(second.kind === "failed" && second.result.attempt, 2);
  });

  it("passes {last_run} to schedules and records the scheduled time on completion", async () => {
    const { config, deps } = harness();
    const first = await runJob(jobFor(scheduleEvent("weekly", at), "weekly"), config, deps);
    assert.equal(first.kind, "completed");
    assert.match(String(first.kind === "completed" && first.result.output), /Summary since never/);
    assert.equal(await deps.lastRun.get("weekly"), at.getTime());
    const next = new Date("2026-07-13T09:00:00.000Z");
    const second = await runJob(jobFor(scheduleEvent("weekly", next), "weekly"), config, deps);
    assert.match(
      String(second.kind === "completed" && second.result.output),
      new RegExp(`Summary since ${at.toISOString()}`),
    );
    assert.equal(await deps.lastRun.get("weekly"), next.getTime());
  });

  it("fails permanently for a handler the config no longer has", async () => {
    const { config, deps } = harness();
    const outcome = await runJob(jobFor(manualEvent({ id: "gone-1", now: at }), "gone"), config, deps);
    assert.equal(outcome.kind, "failed");
    assert.equal(outcome.kind === "failed" && outcome.error instanceof RetryableError, false);
    assert.match(outcome.kind === "failed" ? (outcome.result.error ?? "") : "", /no handler named "gone"/);
  });
});
