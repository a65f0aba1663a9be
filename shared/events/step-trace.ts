/**
 * What one step of a run did, as the dashboard's job page shows it: the input it was given after
 * templates were rendered, what it produced or the error, and when. Recorded by the pipeline engine
 * (shared/pipeline/step-trace-log.ts) and kept in the run's EventResult, with long values cut.
 */
export const StepTraceStatus = {
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  SKIPPED: "skipped",
} as const;
export type StepTraceStatus = (typeof StepTraceStatus)[keyof typeof StepTraceStatus];

export const StepTraceKind = { PROMPT: "prompt", TOOL: "tool", RECIPE: "recipe" } as const;
export type StepTraceKind = (typeof StepTraceKind)[keyof typeof StepTraceKind];

export interface StepTrace {
  /** Where the step sits, as errors name it: `steps[1] (review)`, `recipe recipes/x steps[0]`. */
  readonly step: string;
  readonly kind: StepTraceKind;
  readonly status: StepTraceStatus;
  /** `prompt:echo`, `tool-github.post_pr_comment:octo/repo#7` (succeeded steps). */
  readonly action?: string;
  /** The rendered input: `{prompt, system?}` for prompts, the tool arguments, a recipe's context. */
  readonly input?: unknown;
  readonly output?: unknown;
  readonly error?: string;
  /** Why a step did not run (its condition). */
  readonly reason?: string;
  readonly started_at: string;
  readonly duration_ms: number;
}
