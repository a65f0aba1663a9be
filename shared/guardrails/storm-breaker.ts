/**
 * The storm breaker: a source that brings more than `max_events` events in a `window_seconds`
 * window is paused for `cooldown_seconds` (or until resumed by hand). Admission asks it for every
 * routed event (shared/ingest/admit.ts); while the source is paused its events are answered as if
 * the queue were full: refused with 429 and a retry-after (a file watcher keeps its changes and
 * tries again), or recorded as dropped under `queue_overflow: drop`. Nothing accepted is lost.
 *
 * The event that trips it emits `source:error` once (the pause is a conditional write: the first
 * of several concurrent admitters wins) and calls `onTrip` (the cloud's metric).
 */
import type { StormBreakerConfig } from "../config/guardrails-schema.ts";
import { LifecycleEvent, type HookBus } from "../hooks/lifecycle.ts";
import type { Logger } from "../logging/logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { BreakerStore, PausedSource } from "./breaker-store.ts";

export type StormVerdict =
  | { readonly kind: "pass" }
  | {
      readonly kind: "paused";
      readonly reason: string;
      /** Epoch ms the pause ends. */
      readonly until: number;
      readonly retryAfterSeconds: number;
    };

export interface StormBreaker {
  /** One routed event of `source`: counted, and answered whether the source may bring it now. */
  check(source: string): Promise<StormVerdict>;
  /** Ends a pause before its cooldown; false when the source was not paused. */
  resume(source: string): Promise<boolean>;
  paused(): Promise<PausedSource[]>;
}

export interface StormBreakerDeps {
  readonly store: BreakerStore;
  readonly clock: Clock;
  readonly hooks: HookBus;
  readonly logger: Logger;
  /** Called once per pause, by the admitter that tripped it. */
  readonly onTrip?: (paused: PausedSource) => void;
}

function pausedVerdict(source: string, until: number, now: number, why?: string): StormVerdict {
  const at = new Date(until).toISOString();
  return {
    kind: "paused",
    reason: `source "${source}" is paused by the storm breaker${why ? ` (${why})` : ""} until ${at}; resume it sooner with \`evd daemon resume ${source}\``,
    until,
    retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
  };
}

export function createStormBreaker(config: StormBreakerConfig, deps: StormBreakerDeps): StormBreaker | undefined {
  if (!config.enabled) return undefined;
  const windowMs = config.window_seconds * 1000;
  const log = deps.logger.child({ component: "storm-breaker" });
  return {
    async check(source) {
      const now = deps.clock.now();
      const windowStart = Math.floor(now / windowMs) * windowMs;
      const hit = await deps.store.hit(source, windowStart, now);
      if (hit.pausedUntil !== undefined) return pausedVerdict(source, hit.pausedUntil, now);
      if (hit.count <= config.max_events) return { kind: "pass" };
      const why = `more than ${config.max_events} events in ${config.window_seconds} s`;
      const until = now + config.cooldown_seconds * 1000;
      const pause = { since: now, until, reason: why };
      if (await deps.store.pause(source, pause)) {
        const error = `storm breaker: ${why}; paused until ${new Date(until).toISOString()} (or \`evd daemon resume ${source}\`)`;
        log.log("error", "source paused by the storm breaker", {
          source,
          reason: why,
          until: new Date(until).toISOString(),
        });
        try {
          await deps.hooks.emit(LifecycleEvent.SOURCE_ERROR, { source, error, reason: why });
        } catch (err) {
          log.log("warn", "source:error hook failed", {
            source,
            error: err instanceof Error ? err.message : String(err),
          });
        }
        deps.onTrip?.({ source, ...pause });
      }
      return pausedVerdict(source, until, now, why);
    },
    async resume(source) {
      const resumed = await deps.store.resume(source, deps.clock.now());
      if (resumed) log.log("info", "source resumed by hand", { source });
      return resumed;
    },
    paused: () => deps.store.paused(deps.clock.now()),
  };
}
