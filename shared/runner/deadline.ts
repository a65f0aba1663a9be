/**
 * A job's deadline inside a function that has its own (the runner Lambda): the pipeline must stop
 * early enough for the outcome to be recorded (history, the job's state, the message's retry
 * delay) before the function is killed; a run killed mid-way stays IN_PROGRESS until its lease
 * ends and its failure is never recorded. So each job gets `min(handler timeout_ms, time left -
 * FINISH_MARGIN_MS)`, and a handler whose timeout cannot fit the function at all is refused before
 * anything is deployed (`evd validate`, synth).
 */
import type { ConfigIssue } from "../config/errors.ts";
import type { OrchestratorConfig } from "../config/schema.ts";

/** Time the runner keeps, after a pipeline's deadline, to record its outcome. */
export const FINISH_MARGIN_MS = 30_000;

/** The runner Lambda's timeout when the config's `cloud` section names none (the schema's default). */
export const DEFAULT_RUNNER_TIMEOUT_SECONDS = 900;

/** Epoch ms by which a job started now must stop, given the function's remaining time. */
export function jobDeadline(now: number, remainingMs: number, marginMs = FINISH_MARGIN_MS): number {
  return now + Math.max(0, remainingMs - marginMs);
}

/** True when a run of `timeoutMs` started now would end before the deadline (it gets its whole timeout). */
export function fitsBefore(deadline: number, now: number, timeoutMs: number): boolean {
  return now + timeoutMs <= deadline;
}

/**
 * Handlers whose `timeout_ms` plus the finish margin exceeds the runner Lambda's timeout: each
 * such run could be killed before its failure is recorded.
 */
export function runnerTimeoutIssues(config: OrchestratorConfig): ConfigIssue[] {
  const runnerSeconds = config.cloud?.runner_timeout_seconds ?? DEFAULT_RUNNER_TIMEOUT_SECONDS;
  const budgetMs = runnerSeconds * 1000 - FINISH_MARGIN_MS;
  return Object.entries(config.handlers).flatMap(([name, handler]) =>
    handler.timeout_ms <= budgetMs
      ? []
      : [
          {
            path: `handlers.${name}.timeout_ms`,
            message:
              `${handler.timeout_ms} ms does not fit the runner Lambda: its ${runnerSeconds} s timeout (cloud.runner_timeout_seconds) ` +
              `minus the ${FINISH_MARGIN_MS / 1000} s the runner keeps to record the outcome leaves ${budgetMs} ms; ` +
              `lower timeout_ms to at most ${budgetMs} or raise cloud.runner_timeout_seconds (at most 900)`,
          },
        ],
  );
}
