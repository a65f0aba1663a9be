/** A budget in the shared job runner: the job over it is not run, recorded, announced, settled. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestratorConfig } from "../../../shared/config/schema.ts";
import { jobIdOf, type Job } from "../../../shared/events/event.ts";
import { manualEvent } from "../../../shared/events/manual-event.ts";
import { createBudgetGate } from "../../../shared/guardrails/budget-gate.ts";
import { priceTable } from "../../../shared/guardrails/price-table.ts";
import { MemoryCounterStore } from "../../../shared/memory/memory-counter-store.ts";
import { MemoryHistoryStore } from "../../../shared/memory/memory-history-store.ts";
import { MemoryJobStore } from "../../../shared/memory/memory-job-store.ts";
import { MemoryLastRunStore } from "../../../shared/memory/memory-last-run-store.ts";
import { MapSecretStore } from "../../../shared/memory/memory-secret-store.ts";
import { createPipelineRunner, mapRecipeSource } from "../../../shared/pipeline/create-pipeline-runner.ts";
import { retryPolicyFor } from "../../../shared/retry/retry-policy.ts";
import { runJob } from "../../../shared/runner/run-job.ts";
import { decide, SettlementKind } from "../../../shared/runner/settle.ts";
import { recordingHooks, settableClock } from "./support.ts";

describe("runJob with a budget", () => {
  it("runs jobs while the budget lasts; the next is recorded budget_exceeded, event:dropped, COMPLETED, acked, not run", async () => {
    const config = OrchestratorConfig.parse({
      handlers: {
        report: { prompt: "Report on {payload.topic}", budget: { runs_per_hour: 1, tokens_per_day: 10_000 } },
      },
    });
    const clock = settableClock("2026-05-01T10:00:00Z");
    const hooks = recordingHooks();
    const counters = new MemoryCounterStore();
    const budget = createBudgetGate(config, { counters, prices: priceTable(), clock, logger: hooks.logger })!;
    let pipelineRuns = 0;
    const real = createPipelineRunner(config, {
      recipes: mapRecipeSource({}),
      secrets: new MapSecretStore({}),
      filesystemRoot: ".",
      logger: hooks.logger,
    });
    const deps = {
      jobs: new MemoryJobStore(),
      history: new MemoryHistoryStore(),
      lastRun: new MemoryLastRunStore(),
      pipeline: { run: (...a: Parameters<typeof real.run>) => ((pipelineRuns += 1), real.run(...a)) },
      hooks: hooks.bus,
      clock,
      logger: hooks.logger,
      leaseMs: 60_000,
      budget,
    };
    const job = (id: string): Job => {
      const event = manualEvent({ id, payload: { topic: "budgets" }, now: new Date(clock.now()) });
      return { id: jobIdOf(id, "report"), handler: "report", event, attempt: 1, enqueued_at: event.timestamp };
    };

    const first = await runJob(job("e1"), config, deps);
    assert.equal(first.kind, "completed");
    const used = await counters.read("budget/handler:report/day/2026-05-01");
    assert.ok((used.tokens ?? 0) > 0, "the echo provider's tokens were counted");

    const second = await runJob(job("e2"), config, deps);
    assert.equal(second.kind, "budget_exceeded");
    assert.equal(pipelineRuns, 1, "the second job's pipeline never ran");
    const result = (second as { result: { status: string; reason: string; success: boolean } }).result;
    assert.equal(result.status, "budget_exceeded");
    assert.equal(result.success, false);
    assert.match(result.reason, /^budget exceeded: handler "report" reached runs_per_hour 1 \(used 1\)/);
    assert.deepEqual(
      (await deps.history.list()).map((r) => [r.job_id, r.status]),
      [
        ["e2#report", "budget_exceeded"],
        ["e1#report", "succeeded"],
      ],
    );
    assert.equal((await deps.jobs.get("e2#report"))?.state, "COMPLETED", "a redelivery does not run it");
    const dropped = hooks.emitted.filter((e) => e.name === "event:dropped");
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0]!.data.job_id, "e2#report");
    assert.equal(dropped[0]!.data.reason, result.reason);
    assert.equal(
      hooks.emitted.filter((e) => e.name === "event:handler:start").length,
      1,
      "no handler:start for the job that did not run",
    );
    assert.deepEqual(decide(second, 1, retryPolicyFor(config, "report"), { now: clock.now() }), {
      kind: SettlementKind.ACK,
    });

    clock.set("2026-05-01T11:00:00Z");
    assert.equal((await runJob(job("e3"), config, deps)).kind, "completed", "the next hour runs again");
  });

  it("fails the run (retryable) without running it when the counters cannot be reached", async () => {
    const config = OrchestratorConfig.parse({ handlers: { report: { prompt: "p", budget: { runs_per_hour: 5 } } } });
    const hooks = recordingHooks();
    const clock = settableClock("2026-05-01T10:00:00Z");
    const broken = {
      apply: () => Promise.reject(new Error("counters unreachable")),
      read: () => Promise.reject(new Error("counters unreachable")),
    };
    const budget = createBudgetGate(config, { counters: broken, prices: priceTable(), clock, logger: hooks.logger })!;
    let ran = false;
    const jobs = new MemoryJobStore();
    const event = manualEvent({ id: "e9", payload: {}, now: new Date(clock.now()) });
    const outcome = await runJob(
      { id: "e9#report", handler: "report", event, attempt: 1, enqueued_at: event.timestamp },
      config,
      {
        jobs,
        history: new MemoryHistoryStore(),
        lastRun: new MemoryLastRunStore(),
        pipeline: { run: async () => ((ran = true), { success: true, actions_taken: [] }) },
        hooks: hooks.bus,
        clock,
        logger: hooks.logger,
        leaseMs: 60_000,
        budget,
      },
    );
    assert.equal(outcome.kind, "failed");
    assert.equal(ran, false);
    assert.match((outcome as { result: { error: string } }).result.error, /budget check failed: counters unreachable/);
    assert.equal((outcome as { error: Error }).error.name, "RetryableError");
    assert.equal((await jobs.get("e9#report"))?.state, "FAILED", "claimable again by the retry");
  });
});
