/** What every step of one run shares: the registries, the job, the actions list, the step budget. */
import type { HandlerConfig, OrchestratorConfig } from "../config/schema.ts";
import type { Event } from "../events/event.ts";
import type { Logger } from "../logging/logger.ts";
import type { RecipeSource } from "../ports/recipe-source.ts";
import type { ProviderRegistry } from "../providers/registry.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import { PipelineError, RecipeError, isPermanent } from "./errors.ts";
import type { StepObservation, StepObserver } from "./step-observer.ts";

/** Amplifier's recursion defaults: recipes nest at most 5 deep; at most 100 prompt steps per run. */
export const DEFAULT_MAX_DEPTH = 5;
export const DEFAULT_MAX_TOTAL_STEPS = 100;

/** Prompt steps of one run, across nested recipes (Amplifier's `max_total_steps`). */
export interface StepBudget {
  used: number;
  max: number;
}

export interface EngineEnv {
  readonly config: Pick<OrchestratorConfig, "agents" | "providers" | "default_provider">;
  readonly providers: ProviderRegistry;
  readonly tools: ToolRegistry;
  readonly recipes: RecipeSource;
  readonly logger: Logger;
  readonly handlerName: string;
  readonly handler: HandlerConfig;
  readonly event: Event;
  /** `actions_taken`, in order (a parallel foreach merges its iterations' lists in item order). */
  readonly actions: string[];
  readonly retryBaseDelayMs: number;
  readonly budget: StepBudget;
  /** Sees each step and each prompt's usage (tracing, budgets): step-observer.ts. */
  readonly observer: StepObserver;
  /** The step running now (set by runSteps for its step's calls): where a prompt reports its usage. */
  readonly observation?: StepObservation;
}

/** Counts one prompt step; a permanent error once the run has used its budget. */
export function spendStep(env: EngineEnv, where: string): void {
  if (env.budget.used >= env.budget.max)
    throw new RecipeError(
      `${where}: this run reached ${env.budget.max} prompt steps (recursion.max_total_steps); raise it in the recipe if that is intended`,
    );
  env.budget.used += 1;
}

/** A failed step (after retries) whose `on_error` is `fail`; `permanent` follows the cause. */
export class StepError extends PipelineError {
  override readonly name = "StepError";
  constructor(message: string, cause: unknown) {
    super(message, { permanent: isPermanent(cause), cause });
  }
}
