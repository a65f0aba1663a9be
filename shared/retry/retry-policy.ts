/**
 * THE retry policy and backoff, for jobs (the daemon's worker, the runner Lambda), for a step's
 * own `retry`, and for the watcher bridge's sender. A policy is the config's `retry` shape.
 *
 *   ceiling(n):  fixed -> initial_delay_ms; exponential -> initial_delay_ms * 2^(n-1); both capped by max_delay_ms
 *   delay(n):    a random delay in [0, ceiling(n)] for exponential ("full jitter": retries of many jobs
 *                spread out instead of arriving together); the ceiling itself for fixed
 *   last attempt: attempt n >= max_attempts (attempts count from 1)
 * A single sender that must keep order (the bridge) or a step waiting inside one run uses the
 * ceiling: there is nothing to spread out.
 */
import type { OrchestratorConfig, RetryPolicyConfig } from "../config/schema.ts";

export type RetryPolicy = Pick<RetryPolicyConfig, "max_attempts" | "backoff" | "initial_delay_ms" | "max_delay_ms">;

/** The policy that applies to `handler`: its own `retry`, else the config's. */
export function retryPolicyFor(config: OrchestratorConfig, handler: string): RetryPolicy {
  return config.handlers[handler]?.retry ?? config.retry;
}

/** The longest wait after attempt number `attempt` (1 = the first run) failed. */
export function backoffCeilingMs(policy: Omit<RetryPolicy, "max_attempts">, attempt: number): number {
  const cap = Math.max(0, policy.max_delay_ms);
  if (policy.backoff === "fixed") return Math.min(policy.initial_delay_ms, cap);
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  return Math.min(cap, policy.initial_delay_ms * 2 ** Math.min(exponent, 52));
}

/**
 * Delay before the next attempt after attempt number `attempt` failed.
 * @param random a source of uniform numbers in [0, 1) (inject a seeded one in tests). @default Math.random
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = backoffCeilingMs(policy, attempt);
  return policy.backoff === "fixed" ? ceiling : Math.floor(random() * ceiling);
}

/** True when attempt number `attempt` was the last one allowed: the job goes to the dead-letter store. */
export function isLastAttempt(policy: Pick<RetryPolicy, "max_attempts">, attempt: number): boolean {
  return attempt >= policy.max_attempts;
}
