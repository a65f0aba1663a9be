/** The library API: createOrchestrator with registerSource, handleEvent, route, execute (one-shot). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../../../../shared/config/errors.ts";
import { jobIdOf } from "../../../../shared/events/event.ts";
import { manualEvent } from "../../../../shared/events/manual-event.ts";
import { silentLogger } from "../../../../shared/logging/logger.ts";
import { createOrchestrator } from "../../../../local/orchestrator/create-orchestrator.ts";
import { openLocalStore } from "../../../../local/store/local-store.ts";
import { tempDir } from "../store/store-fixtures.ts";

const handlers = {
  greet: { prompt: "Hello {payload.name}" },
  tick: { prompt: "Tick at {event.timestamp}, last {last_run}" },
};

describe("createOrchestrator", () => {
  it("handleEvent runs one handler now and answers the spec's EventResult", async () => {
    const orchestrator = await createOrchestrator({ config: { handlers }, cwd: tempDir(), logger: silentLogger });
    const result = await orchestrator.handleEvent(
      manualEvent({ id: "e1", payload: { name: "Ada" }, now: new Date() }),
      "greet",
    );
    assert.deepEqual(Object.keys(result).slice(0, 5), ["event_id", "success", "actions_taken", "output", "error"]);
    assert.equal(result.event_id, "e1");
    assert.equal(result.success, true);
    assert.equal(result.output, "[echo model=echo]\nHello Ada");
    assert.equal(result.error, null);
    const again = await orchestrator.handleEvent(
      manualEvent({ id: "e1", payload: { name: "Ada" }, now: new Date() }),
      "greet",
    );
    assert.equal(again.status, "succeeded", "handleEvent runs the handler each time it is asked");
    await assert.rejects(
      orchestrator.handleEvent(manualEvent({ now: new Date() }), "nope"),
      /no handler named "nope"; handlers: greet, tick/,
    );
  });

  it("registerSource adds a checked source that route() then uses; a bad one is a ConfigError naming it", async () => {
    const orchestrator = await createOrchestrator({ config: { handlers }, cwd: tempDir(), logger: silentLogger });
    orchestrator.registerSource("webhook", { path: "/hooks/hi", signature: "none" }, "greet");
    assert.equal(orchestrator.config.sources.length, 1);
    const routed = await orchestrator.route(
      manualEvent({ type: "webhook", source: "/hooks/hi", payload: {}, now: new Date() }),
    );
    assert.equal(routed.kind, "accepted");
    assert.deepEqual("jobs" in routed ? routed.jobs.map((j) => j.handler) : [], ["greet"]);
    assert.throws(
      () => orchestrator.registerSource("schedule", { cron: "61 * * * *" }, "tick"),
      (e: unknown) => e instanceof ConfigError && /sources\[1\]\.cron: invalid cron/.test(e.message),
    );
    assert.throws(
      () => orchestrator.registerSource("manual", {}, "missing"),
      (e: unknown) => e instanceof ConfigError && /sources\[1\]\.handler: no handler named "missing"/.test(e.message),
    );
    assert.equal(orchestrator.config.sources.length, 1, "a refused source changes nothing");
  });

  it("execute() in mode one-shot runs what is pending (queued jobs, a missed schedule) and returns", async () => {
    const dir = tempDir();
    const config = {
      mode: "one-shot" as const,
      handlers,
      sources: [{ type: "schedule" as const, cron: "0 9 * * *", handler: "tick", name: "daily" }],
      state_file: "state/event-state.json",
      webhook_port: 0,
    };
    const orchestrator = await createOrchestrator({ config, cwd: dir, logger: silentLogger });
    // What a previous daemon left: one queued job, and a schedule that last ran two days ago.
    const store = openLocalStore({ dir: join(dir, "state"), config: orchestrator.config });
    const event = manualEvent({ id: "queued-1", payload: { name: "Grace" }, now: new Date() });
    await store.submit(event, [
      { id: jobIdOf(event.id, "greet"), handler: "greet", event, attempt: 1, enqueued_at: event.timestamp },
    ]);
    await store.lastRun.set("daily", Date.now() - 2 * 86_400_000);
    await store.close();

    const summary = await orchestrator.execute({ print: () => {} });
    assert.match(
      summary,
      /^one-shot: 2 run\(s\): 2 succeeded, 0 failed, 0 stopped at an approval gate; left: 0 waiting/,
    );

    const after = openLocalStore({ dir: join(dir, "state"), config: orchestrator.config });
    try {
      assert.equal(after.getJob(jobIdOf("queued-1", "greet"))?.state, "COMPLETED");
      const runs = await after.history.list({});
      assert.deepEqual(runs.map((r) => r.handler).sort(), ["greet", "tick"]);
      assert.equal(after.depth(), 0);
    } finally {
      await after.close();
    }
  });
});
