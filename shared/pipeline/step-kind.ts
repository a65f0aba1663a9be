/** Which kind a step is. Tool steps are checked first: their arguments may use any key. */
import type { PromptStepConfig, RecipeStepConfig, StepConfig, ToolStepConfig } from "../config/schema.ts";

export function isToolStep(step: StepConfig): step is ToolStepConfig {
  return typeof (step as { tool?: unknown }).tool === "string";
}

export function isRecipeStep(step: StepConfig): step is RecipeStepConfig {
  return !isToolStep(step) && typeof (step as { recipe?: unknown }).recipe === "string";
}

export function isPromptStep(step: StepConfig): step is PromptStepConfig {
  return !isToolStep(step) && !isRecipeStep(step);
}
