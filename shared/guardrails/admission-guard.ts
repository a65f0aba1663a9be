/**
 * What admission (shared/ingest/admit.ts) asks the guardrails, for every entry point:
 *   screen(event)            before hooks and routing: loop detection (loop-guard.ts)
 *   throttle(source, ...)    once the event routes to jobs: the storm breaker (storm-breaker.ts);
 *                            a paused source is answered like a full queue, per `queue_overflow`:
 *                            `drop` records the jobs as dropped, `queue` and `error` refuse (429).
 */
import type { OrchestratorConfig } from "../config/schema.ts";
import type { Event } from "../events/event.ts";
import { checkLoop, type LoopVerdict } from "./loop-guard.ts";
import type { StormBreaker } from "./storm-breaker.ts";

export type ThrottleVerdict =
  | { readonly kind: "pass" }
  /** Nothing recorded; the sender may try again after `retryAfterSeconds`. */
  | { readonly kind: "refuse"; readonly reason: string; readonly retryAfterSeconds: number }
  /** Recorded, its jobs dropped with the reason (replayable). */
  | { readonly kind: "drop"; readonly reason: string };

export interface AdmissionGuard {
  screen(event: Event): LoopVerdict;
  throttle(source: string): Promise<ThrottleVerdict>;
}

export function createAdmissionGuard(
  config: Pick<OrchestratorConfig, "guardrails" | "queue_overflow">,
  breaker: StormBreaker | undefined,
): AdmissionGuard {
  return {
    screen: (event) => checkLoop(event, config.guardrails),
    async throttle(source) {
      if (!breaker) return { kind: "pass" };
      const verdict = await breaker.check(source);
      if (verdict.kind === "pass") return verdict;
      return config.queue_overflow === "drop"
        ? { kind: "drop", reason: verdict.reason }
        : { kind: "refuse", reason: verdict.reason, retryAfterSeconds: verdict.retryAfterSeconds };
    },
  };
}
