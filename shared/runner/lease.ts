/**
 * How long a runner's claim on a job holds: the handler's `timeout_ms` plus a margin for recording
 * the outcome. Longer than any run, so a live runner is never taken over; short enough that a
 * crashed runner's job is taken over within minutes.
 */
import type { OrchestratorConfig } from "../config/schema.ts";

/** Time past the handler's timeout for the outcome to be recorded. */
export const LEASE_MARGIN_MS = 60_000;

/** The handler timeout when a handler sets none (the schema's default). */
const DEFAULT_TIMEOUT_MS = 300_000;

/** The lease for jobs of these handlers: the longest timeout among them plus the margin. */
export function leaseFor(config: OrchestratorConfig, handlers: readonly string[]): number {
  const longest = Math.max(0, ...handlers.map((h) => config.handlers[h]?.timeout_ms ?? DEFAULT_TIMEOUT_MS));
  return longest + LEASE_MARGIN_MS;
}
