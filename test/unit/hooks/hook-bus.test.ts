import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createHookBus } from "../../../shared/hooks/hook-bus.ts";
import type { HookFn } from "../../../shared/hooks/lifecycle.ts";
import { jsonLogger } from "../../../shared/logging/logger.ts";
import { testEvent } from "../pipeline/support.ts";

function recorder() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: jsonLogger((l) => lines.push(JSON.parse(l) as Record<string, unknown>), { level: "debug" }) };
}

const event = testEvent("webhook", { bot: true, token: "s3cret-payload-value" }, "evt-9");

describe("hook bus", () => {
  it("logs every emitted lifecycle event as structured JSON, without the payload", async () => {
    const { lines, logger } = recorder();
    const bus = createHookBus([], logger);
    assert.deepEqual(await bus.emit("event:received", { event }), { action: "continue" });
    await bus.emit("event:dropped", { event, handler: "h", reason: "queue full" });
    await bus.emit("source:error", { source: "watcher", error: "EMFILE" });
    await bus.emit("event:handler:end", {
      event,
      handler: "h",
      job_id: "evt-9#h",
      result: { event_id: "evt-9", success: false, actions_taken: [], output: null, error: "boom", status: "failed" },
    });
    assert.deepEqual(
      lines.map((l) => [l.level, l.message, l.lifecycle]),
      [
        ["info", "event:received", "event:received"],
        ["warn", "event:dropped", "event:dropped"],
        ["error", "source:error", "source:error"],
        ["info", "event:handler:end", "event:handler:end"],
      ],
    );
    assert.equal(lines[0]!.event_id, "evt-9");
    assert.equal(lines[0]!.event_type, "webhook");
    assert.equal(lines[1]!.reason, "queue full");
    assert.equal(lines[2]!.source, "watcher");
    assert.deepEqual(
      [lines[3]!.success, lines[3]!.error, lines[3]!.job_id, lines[3]!.status],
      [false, "boom", "evt-9#h", "failed"],
    );
    assert.doesNotMatch(JSON.stringify(lines), /s3cret-payload-value/);
  });

  it("skip wins with its reason, and Amplifier's deny means skip; later hooks do not run", async () => {
    const ran: string[] = [];
    const hooks: HookFn[] = [
      (_e, d) => {
        ran.push("a");
        return d.event?.payload.bot ? { action: "skip", reason: "Ignoring bot events" } : undefined;
      },
      () => {
        ran.push("b");
        return { action: "continue" };
      },
    ];
    assert.deepEqual(await createHookBus(hooks, recorder().logger).emit("event:received", { event }), {
      action: "skip",
      reason: "Ignoring bot events",
    });
    assert.deepEqual(ran, ["a"]);
    const deny: HookFn = () => ({ action: "deny" });
    const decision = await createHookBus([deny], recorder().logger).emit("event:received", { event });
    assert.equal(decision.action, "skip");
    assert.match((decision as { reason: string }).reason, /^skipped by hook /);
  });

  it("chains modifications in order; the next hook sees the modified payload", async () => {
    const seen: unknown[] = [];
    const hooks: HookFn[] = [
      (_e, d) => ({ action: "modify", payload: { ...d.event!.payload, step: 1 } }),
      (_e, d) => {
        seen.push(d.event!.payload);
        return { action: "modify", payload: { ...d.event!.payload, step: 2, by: "second" } };
      },
      (_e, d) => {
        seen.push(d.event!.payload);
      },
    ];
    const decision = await createHookBus(hooks, recorder().logger).emit("event:received", { event });
    assert.deepEqual(decision, {
      action: "continue",
      payload: { bot: true, token: "s3cret-payload-value", step: 2, by: "second" },
    });
    assert.deepEqual(seen, [
      { bot: true, token: "s3cret-payload-value", step: 1 },
      { bot: true, token: "s3cret-payload-value", step: 2, by: "second" },
    ]);
    assert.deepEqual(event.payload, { bot: true, token: "s3cret-payload-value" }, "the original event is not mutated");
  });

  it("a hook that throws or answers garbage is logged as source:error and does not block the event", async () => {
    const { lines, logger } = recorder();
    const broken: HookFn = function notifySlack() {
      throw new Error("slack down");
    };
    const garbage = (() => ({ action: "explode" })) as unknown as HookFn;
    const after: HookFn = () => ({ action: "modify", payload: { ok: true } });
    const decision = await createHookBus([broken, garbage, after], logger).emit("event:handler:end", {
      event,
      handler: "h",
    });
    assert.deepEqual(decision, { action: "continue", payload: { ok: true } });
    const errors = lines.filter((l) => l.level === "error");
    assert.equal(errors.length, 2);
    assert.deepEqual(
      [errors[0]!.lifecycle, errors[0]!.during, errors[0]!.hook, errors[0]!.error],
      ["source:error", "event:handler:end", "notifySlack", "slack down"],
    );
    assert.match(String(errors[1]!.message), /not a hook result/);
  });

  it("awaits async hooks", async () => {
    const slow: HookFn = async () => {
      await new Promise((r) => setImmediate(r));
      return { action: "skip", reason: "later" };
    };
    assert.deepEqual(await createHookBus([slow], recorder().logger).emit("event:queued", { event }), {
      action: "skip",
      reason: "later",
    });
  });
});
