import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestratorConfig } from "../../../shared/config/schema.ts";
import { createBudgetGate } from "../../../shared/guardrails/budget-gate.ts";
import { priceTable } from "../../../shared/guardrails/price-table.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { MemoryCounterStore } from "../../../shared/memory/memory-counter-store.ts";
import { settableClock } from "./support.ts";

function gateOf(config: Record<string, unknown>, start = "2026-05-01T10:15:00Z") {
  const clock = settableClock(start);
  const counters = new MemoryCounterStore();
  const gate = createBudgetGate(OrchestratorConfig.parse(config), {
    counters,
    prices: priceTable(),
    clock,
    logger: silentLogger,
  });
  assert.ok(gate, "a config with a budget has a gate");
  return { gate, clock, counters };
}

const handlers = { review: { prompt: "p" }, other: { prompt: "p" } };

describe("budget gate", () => {
  it("is absent when the config sets no budget: nothing is counted", () => {
    assert.equal(
      createBudgetGate(OrchestratorConfig.parse({ handlers }), {
        counters: new MemoryCounterStore(),
        prices: priceTable(),
        clock: settableClock(0),
        logger: silentLogger,
      }),
      undefined,
    );
  });

  it("lets runs_per_hour runs start per clock hour, then refuses naming the limit, and resets on the next hour", async () => {
    const { gate, clock } = gateOf({
      handlers: { ...handlers, review: { prompt: "p", budget: { runs_per_hour: 2 } } },
    });
    assert.deepEqual(await gate.admit("review"), { ok: true });
    assert.deepEqual(await gate.admit("review"), { ok: true });
    const refused = await gate.admit("review");
    assert.equal(refused.ok, false);
    assert.match(
      (refused as { reason: string }).reason,
      /^budget exceeded: handler "review" reached runs_per_hour 2 \(used 2\); the hour's count resets at 2026-05-01T11:00:00.000Z$/,
    );
    assert.deepEqual(await gate.admit("other"), { ok: true }, "other handlers have their own (no) budget");
    clock.set("2026-05-01T11:00:00Z");
    assert.deepEqual(await gate.admit("review"), { ok: true }, "a new hour starts from zero");
  });

  it("stops jobs once the day's tokens reach tokens_per_day, counting every prompt's tokens as they come", async () => {
    const { gate, clock } = gateOf({ budget: { tokens_per_day: 1000 }, handlers });
    const meter = gate.meter("review");
    const step = meter.observer.step({ where: "steps[0]", kind: "prompt", index: 0 });
    step.prompt({ provider: "echo", model: "echo", inputTokens: 400, outputTokens: 300 });
    await meter.settled();
    assert.deepEqual(await gate.admit("other"), { ok: true }, "700 of 1000: still below");
    const second = gate.meter("other");
    second.observer
      .step({ where: "steps[0]", kind: "prompt", index: 0 })
      .prompt({ provider: "echo", inputTokens: 300 });
    await second.settled();
    const refused = await gate.admit("review");
    assert.equal(refused.ok, false);
    assert.match(
      (refused as { reason: string }).reason,
      /all handlers reached tokens_per_day 1000 \(used 1000\); the day's count resets at 2026-05-02T00:00:00.000Z/,
    );
    clock.set("2026-05-02T00:00:01Z");
    assert.deepEqual(await gate.admit("review"), { ok: true }, "the next UTC day starts from zero");
  });

  it("prices the tokens for usd_per_day with the config's price table, and a refused run takes nothing", async () => {
    const { gate } = gateOf({
      budget: { usd_per_day: 0.01, runs_per_hour: 100 },
      prices: { "claude-sonnet-4*": { input: 3, output: 15 } },
      handlers,
    });
    const meter = gate.meter("review");
    // 1000 in + 500 out on Sonnet: $0.0105, over the $0.01
    meter.observer
      .step({ where: "steps[0]", kind: "prompt", index: 0 })
      .nested.step({ where: "recipe r steps[0]", kind: "prompt", index: 0 })
      .prompt({ provider: "anthropic", model: "claude-sonnet-4-5", inputTokens: 1000, outputTokens: 500 });
    await meter.settled();
    assert.deepEqual(meter.totals(), { inputTokens: 1000, outputTokens: 500, microUsd: 10_500 });
    const refused = await gate.admit("review");
    assert.match((refused as { reason: string }).reason, /all handlers reached usd_per_day 0.01 \(used \$0.01\)/);
    const usage = await gate.usage();
    assert.deepEqual(
      usage.map((u) => [u.limit, u.used, u.max]),
      [
        ["runs_per_hour", 0, 100],
        ["tokens_per_day", 1500, undefined],
        ["usd_per_day", 0.0105, 0.01],
      ],
      "the refused admit did not count a run",
    );
  });

  it("checks the handler's budget and the global one together: the tighter wins", async () => {
    const { gate } = gateOf({
      budget: { runs_per_hour: 3 },
      handlers: { review: { prompt: "p", budget: { runs_per_hour: 5 } }, other: { prompt: "p" } },
    });
    for (let i = 0; i < 3; i++) assert.equal((await gate.admit(i % 2 ? "other" : "review")).ok, true);
    const refused = await gate.admit("review");
    assert.match((refused as { reason: string }).reason, /all handlers reached runs_per_hour 3/);
  });
});
