/** The contract between the job runner and the pipeline engine (implemented in this folder). */
import type { Job } from "../events/event.ts";
import type { StepTrace } from "../events/step-trace.ts";

export interface PipelineContext {
  /** Epoch ms of the previous run of this schedule (for `{last_run}`). */
  readonly lastRun?: number;
  readonly signal: AbortSignal;
}

export interface PipelineOutcome {
  readonly success: boolean;
  readonly actions_taken: string[];
  readonly output?: unknown;
  readonly error?: string;
  /** True when the failure will not be fixed by retrying (bad template path, tool refused). */
  readonly permanent?: boolean;
  /** Each step's rendered input, output or error and timings. */
  readonly steps?: readonly StepTrace[];
}

export interface PipelineRunner {
  run(job: Job, ctx: PipelineContext): Promise<PipelineOutcome>;
}

/** Where recipe files come from: the config's folder locally, a map baked into the bundle in Lambda. */
export interface RecipeSource {
  /** `ref` as written in the config (e.g. `recipes/pr-reviewer`); returns the YAML text. */
  load(ref: string): Promise<string>;
}
