/** tool-state: a handler's own durable state (the spec's handler_state), through the pipeline. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../../shared/config/parse.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { MemoryHandlerStateStore } from "../../../shared/memory/memory-handler-state-store.ts";
import { createPipelineRunner, mapRecipeSource } from "../../../shared/pipeline/create-pipeline-runner.ts";
import { jobFor, mapSecrets, signal, testEvent } from "../pipeline/support.ts";

const config = parseConfig(
  parseYaml(`
handlers:
  review-pr:
    steps:
      - tool: tool-state
        action: get
        key: last_sha
        initial: none
        as: previous
      - prompt: "Review {payload.after} (last reviewed: {previous})"
      - tool: tool-state
        action: set
        key: last_sha
        value: "{payload.after}"
      - tool: tool-state
        action: set
        key: reviews
        value: { count: "{payload.n}", shas: ["{payload.after}"] }
  other:
    steps:
      - tool: tool-state
        action: get
        key: last_sha
`),
  { where: "t.yaml", env: {} },
);

describe("tool-state", () => {
  it("keeps a value between runs of the same handler, typed, and only for that handler", async () => {
    const state = new MemoryHandlerStateStore();
    const runner = createPipelineRunner(config, {
      recipes: mapRecipeSource({}),
      secrets: mapSecrets({}),
      filesystemRoot: "/nonexistent",
      logger: silentLogger,
      handlerState: state,
    });
    const first = await runner.run(jobFor(testEvent("manual", { after: "aaa", n: 1 }, "e1"), "review-pr"), {
      signal: signal(),
    });
    assert.equal(first.success, true, first.error);
    assert.deepEqual(first.actions_taken, [
      "tool-state.get:last_sha",
      "prompt:echo",
      "tool-state.set:last_sha",
      "tool-state.set:reviews",
    ]);
    const second = await runner.run(jobFor(testEvent("manual", { after: "bbb", n: 2 }, "e2"), "review-pr"), {
      signal: signal(),
    });
    assert.equal(second.success, true, second.error);
    assert.deepEqual(state.snapshot(), {
      "review-pr:last_sha": "bbb",
      "review-pr:reviews": { count: 2, shas: ["bbb"] },
    });
    const other = await runner.run(jobFor(testEvent("manual", {}, "e3"), "other"), { signal: signal() });
    assert.equal(other.output, null, "another handler does not see review-pr's state");
    const secondPrompt = await runner.run(jobFor(testEvent("manual", { after: "ccc", n: 3 }, "e4"), "review-pr"), {
      signal: signal(),
    });
    assert.equal(secondPrompt.success, true);
    assert.deepEqual(state.snapshot()["review-pr:last_sha"], "ccc");
  });

  it("renders what the previous run stored into the next run's prompt", async () => {
    const state = new MemoryHandlerStateStore();
    await state.set("review-pr", "last_sha", "aaa");
    const runner = createPipelineRunner(config, {
      recipes: mapRecipeSource({}),
      secrets: mapSecrets({}),
      filesystemRoot: "/nonexistent",
      logger: silentLogger,
      handlerState: state,
      stepRetryDelayMs: 1,
    });
    const out = await runner.run(jobFor(testEvent("manual", { after: "bbb", n: 1 }), "review-pr"), {
      signal: signal(),
    });
    assert.equal(out.success, true, out.error);
    assert.deepEqual(out.output, { count: 1, shas: ["bbb"] });
  });

  it("refuses bad keys and oversized values permanently, and says when no store is wired", async () => {
    const bad = parseConfig(
      parseYaml(`
handlers:
  k: { steps: [{ tool: tool-state, action: set, key: "../x", value: 1 }] }
  big: { steps: [{ tool: tool-state, action: set, key: big, value: "{payload.blob}" }] }
`),
      { where: "t.yaml", env: {} },
    );
    const runner = (handlerState?: MemoryHandlerStateStore) =>
      createPipelineRunner(bad, {
        recipes: mapRecipeSource({}),
        secrets: mapSecrets({}),
        filesystemRoot: "/nonexistent",
        logger: silentLogger,
        ...(handlerState ? { handlerState } : {}),
      });
    const key = await runner(new MemoryHandlerStateStore()).run(jobFor(testEvent("manual", {}), "k"), {
      signal: signal(),
    });
    assert.equal(key.permanent, true);
    assert.match(key.error!, /tool-state set: `key` must be a name/);
    const big = await runner(new MemoryHandlerStateStore()).run(
      jobFor(testEvent("manual", { blob: "x".repeat(70_000) }), "big"),
      { signal: signal() },
    );
    assert.match(big.error!, /`value` is 70002 bytes as JSON, over 65536/);
    const none = await runner().run(jobFor(testEvent("manual", { blob: "x" }), "big"), { signal: signal() });
    assert.equal(none.permanent, true);
    assert.match(none.error!, /tool-state: no handler state store is available here/);
  });
});
