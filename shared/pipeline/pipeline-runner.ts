/** The contract between the job runner and the pipeline engine (implemented in this folder). */
import type { Job } from "../events/event.ts";
import type { StepObserver } from "./step-observer.ts";

export interface PipelineContext {
  /** Epoch ms of the previous run of this schedule (for `{last_run}`). */
  readonly lastRun?: number;
  readonly signal: AbortSignal;
  /** Sees each step and each prompt's token usage (tracing, budgets). @default none */
  readonly observer?: StepObserver;
}

export interface PipelineOutcome {
  readonly success: boolean;
  readonly actions_taken: string[];
  readonly output?: unknown;
  readonly error?: string;
  /** True when the failure will not be fixed by retrying (bad template path, tool refused). */
  readonly permanent?: boolean;
}

export interface PipelineRunner {
  run(job: Job, ctx: PipelineContext): Promise<PipelineOutcome>;
}

/** Where recipe files come from: the config's folder locally, a map baked into the bundle in Lambda. */
export interface RecipeSource {
  /** `ref` as written in the config (e.g. `recipes/pr-reviewer`); returns the YAML text. */
  load(ref: string): Promise<string>;
}
