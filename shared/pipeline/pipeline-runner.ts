/** The contract between the job runner and the pipeline engine (implemented in this folder). */
import type { Job } from "../events/event.ts";

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
}

export interface PipelineRunner {
  run(job: Job, ctx: PipelineContext): Promise<PipelineOutcome>;
}

export type { RecipeSource } from "../ports/recipe-source.ts";
