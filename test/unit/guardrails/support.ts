/** What the guardrail tests share: a settable clock, a recording hook bus, a logger that keeps lines. */
import { createHookBus } from "../../../shared/hooks/hook-bus.ts";
import type { HookData, HookFn, LifecycleEvent } from "../../../shared/hooks/lifecycle.ts";
import { jsonLogger, type Logger } from "../../../shared/logging/logger.ts";
import type { Clock } from "../../../shared/ports/clock.ts";

export function settableClock(
  start: string | number,
): Clock & { set(t: string | number): void; advance(ms: number): void } {
  let now = typeof start === "string" ? Date.parse(start) : start;
  return {
    now: () => now,
    set(t) {
      now = typeof t === "string" ? Date.parse(t) : t;
    },
    advance(ms) {
      now += ms;
    },
  };
}

export function recordingHooks(): {
  bus: ReturnType<typeof createHookBus>;
  emitted: { name: LifecycleEvent; data: HookData }[];
  logs: Record<string, unknown>[];
  logger: Logger;
} {
  const emitted: { name: LifecycleEvent; data: HookData }[] = [];
  const logs: Record<string, unknown>[] = [];
  const logger = jsonLogger((l) => logs.push(JSON.parse(l) as Record<string, unknown>), { level: "debug" });
  const recorder: HookFn = (name, data) => {
    emitted.push({ name, data });
  };
  return { bus: createHookBus([recorder], logger), emitted, logs, logger };
}
