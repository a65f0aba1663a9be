import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StormBreaker as StormBreakerSchema } from "../../../shared/config/guardrails-schema.ts";
import { createStormBreaker } from "../../../shared/guardrails/storm-breaker.ts";
import { MemoryBreakerStore } from "../../../shared/memory/memory-breaker-store.ts";
import { recordingHooks, settableClock } from "./support.ts";

function breakerOf(config: Record<string, unknown>) {
  const clock = settableClock("2026-05-01T10:00:00Z");
  const hooks = recordingHooks();
  const trips: string[] = [];
  const breaker = createStormBreaker(StormBreakerSchema.parse(config), {
    store: new MemoryBreakerStore(),
    clock,
    hooks: hooks.bus,
    logger: hooks.logger,
    onTrip: (p) => trips.push(p.source),
  });
  assert.ok(breaker);
  return { breaker, clock, hooks, trips };
}

describe("storm breaker", () => {
  it("is off with enabled: false", () => {
    assert.equal(
      createStormBreaker(StormBreakerSchema.parse({ enabled: false }), {
        store: new MemoryBreakerStore(),
        clock: settableClock(0),
        hooks: recordingHooks().bus,
        logger: recordingHooks().logger,
      }),
      undefined,
    );
  });

  it("lets max_events through per window, pauses the source on the next one with source:error once, until the cooldown", async () => {
    const { breaker, clock, hooks, trips } = breakerOf({ max_events: 3, window_seconds: 60, cooldown_seconds: 300 });
    for (let i = 0; i < 3; i++) assert.deepEqual(await breaker.check("/hooks/flood"), { kind: "pass" });
    const tripped = await breaker.check("/hooks/flood");
    assert.equal(tripped.kind, "paused");
    assert.match(
      (tripped as { reason: string }).reason,
      /^source "\/hooks\/flood" is paused by the storm breaker \(more than 3 events in 60 s\) until 2026-05-01T10:05:00.000Z; resume it sooner with `evd daemon resume \/hooks\/flood`$/,
    );
    assert.equal((tripped as { retryAfterSeconds: number }).retryAfterSeconds, 300);
    assert.deepEqual(await breaker.check("/hooks/other"), { kind: "pass" }, "other sources are not paused");

    clock.advance(120_000);
    const still = await breaker.check("/hooks/flood");
    assert.equal(still.kind, "paused", "a new window does not end the pause");
    assert.equal((still as { retryAfterSeconds: number }).retryAfterSeconds, 180);
    const errors = hooks.emitted.filter((e) => e.name === "source:error");
    assert.equal(errors.length, 1, "one source:error per pause");
    assert.equal(errors[0]!.data.source, "/hooks/flood");
    assert.match(String(errors[0]!.data.error), /storm breaker: more than 3 events in 60 s; paused until/);
    assert.deepEqual(trips, ["/hooks/flood"]);
    assert.deepEqual(
      (await breaker.paused()).map((p) => [p.source, new Date(p.until).toISOString()]),
      [["/hooks/flood", "2026-05-01T10:05:00.000Z"]],
    );

    clock.set("2026-05-01T10:05:00Z");
    assert.deepEqual(await breaker.check("/hooks/flood"), { kind: "pass" }, "the cooldown is over");
    assert.deepEqual(await breaker.paused(), []);
  });

  it("resumes by hand with a fresh count, and says when a source was not paused", async () => {
    const { breaker } = breakerOf({ max_events: 1, window_seconds: 3600, cooldown_seconds: 3600 });
    await breaker.check("docs");
    assert.equal((await breaker.check("docs")).kind, "paused");
    assert.equal(await breaker.resume("docs"), true);
    assert.deepEqual(await breaker.check("docs"), { kind: "pass" }, "the count starts again (same window)");
    assert.equal(await breaker.resume("docs"), false);
  });

  it("counts per window: events spread over windows never trip it", async () => {
    const { breaker, clock } = breakerOf({ max_events: 2, window_seconds: 10, cooldown_seconds: 60 });
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(await breaker.check("s"), { kind: "pass" });
      clock.advance(5_000);
    }
  });
});
