/**
 * Retry policy of a handler (its `retry`, else the config's `retry`): how long to wait before
 * attempt n+1, and when a job goes to the dead-letter store instead.
 *
 *   exponential: a random delay in [0, min(max_delay_ms, initial_delay_ms * 2^(attempt-1))]
 *                ("full jitter": retries of many jobs spread out instead of arriving together)
 *   fixed:       initial_delay_ms every time (capped by max_delay_ms)
 *   dead letter: after `max_attempts` attempts (attempt counts from 1)
 */
import type { OrchestratorConfig, RetryPolicyConfig } from "../config/schema.ts";

export type RetryPolicy = Pick<RetryPolicyConfig, "max_attempts" | "backoff" | "initial_delay_ms" | "max_delay_ms">;

/** The policy that applies to `handler`. */
export function retryPolicyFor(config: OrchestratorConfig, handler: string): RetryPolicy {
  return config.handlers[handler]?.retry ?? config.retry;
}

/**
 * Delay before the next attempt after attempt number `attempt` (1 = the first run) failed.
 * @param random a source of uniform numbers in [0, 1) (inject a seeded one in tests). @default Math.random
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const cap = Math.max(0, policy.max_delay_ms);
  if (policy.backoff === "fixed") return Math.min(policy.initial_delay_ms, cap);
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const ceiling = Math.min(cap, policy.initial_delay_ms * 2 ** Math.min(exponent, 52));
  return Math.floor(random() * ceiling);
}

/** True when attempt number `attempt` was the last one allowed: the job goes to the dead-letter store. */
export function shouldDeadLetter(policy: RetryPolicy, attempt: number): boolean {
  return attempt >= policy.max_attempts;
}
