/** The contract between the job runner and the pipeline engine (implemented in this folder). */
import type { Job } from "../events/event.ts";
import type { StepTrace } from "../events/step-trace.ts";
import type { ParkedRun } from "../events/parked-run.ts";
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
  /** Each step's rendered input, output or error and timings. */
  readonly steps?: readonly StepTrace[];
  /** Set when the run stopped at an approval gate: it waits there, durably, for a decision. */
  readonly parked?: ParkedRun;
}

export interface PipelineRunner {
  run(job: Job, ctx: PipelineContext): Promise<PipelineOutcome>;
}

export type { RecipeSource } from "../ports/recipe-source.ts";
