/**
 * Recipes at run time: loading (cycle and depth limits), the frame a recipe runs in (its own
 * context, Amplifier's `{{recipe}}`), stages in order, and a recipe step's output.
 */
import type { HandlerConfig, RecipeStepConfig } from "../config/schema.ts";
import type { EngineEnv } from "./engine-env.ts";
import type { ParkedRun } from "../events/parked-run.ts";
import { FROM_THE_TOP, parkAt, type StageStart } from "./approval-gate.ts";
import { RecipeError } from "./errors.ts";
import { parseRecipe, type Recipe } from "./recipe.ts";
import { runSteps } from "./run-steps.ts";
import type { Frame } from "./scope.ts";

/** Reads and parses the recipe `ref` names (relative to the recipe `from`), refusing cycles and depth. */
export async function loadRecipe(
  env: Pick<EngineEnv, "recipes">,
  ref: string,
  from: string | undefined,
  stack: readonly string[],
  maxDepth: number,
): Promise<Recipe> {
  const { id, text } = await env.recipes.load(ref, from);
  if (stack.includes(id)) throw new RecipeError(`recipe cycle: ${[...stack, id].join(" -> ")}`);
  if (stack.length >= maxDepth)
    throw new RecipeError(`recipes nest deeper than ${maxDepth} (recursion.max_depth): ${[...stack, id].join(" -> ")}`);
  return parseRecipe(id, text);
}

/** A frame for `recipe`: the caller's event and shortcuts, its own context and outputs. */
export function recipeFrame(
  parent: Pick<Frame, "base" | "shortcuts" | "recipeStack">,
  recipe: Recipe,
  context: Readonly<Record<string, unknown>>,
  maxDepth: number,
): Frame {
  return {
    prefix: `recipe ${recipe.id} `,
    base: parent.base,
    shortcuts: parent.shortcuts,
    context: { ...recipe.context, ...context },
    vars: {},
    named: {},
    steps: [],
    last: { has: false },
    recipeStack: [...parent.recipeStack, recipe.id],
    maxDepth,
    recipe: {
      ...(recipe.name !== undefined ? { name: recipe.name } : {}),
      ...(recipe.version !== undefined ? { version: recipe.version } : {}),
      ...(recipe.description !== undefined ? { description: recipe.description } : {}),
      path: recipe.id,
    },
    skipped: [],
  };
}

/**
 * The context a handler gives its recipe: the recipe's defaults, replaced by the handler `config`
 * values of the same names, then by the handler's `context`.
 */
export function handlerRecipeContext(recipe: Recipe, handler: HandlerConfig): Record<string, unknown> {
  const fromConfig = Object.fromEntries(
    Object.keys(recipe.context)
      .filter((k) => Object.hasOwn(handler.config, k))
      .map((k) => [k, handler.config[k]]),
  );
  return { ...fromConfig, ...(handler.context ?? {}) };
}

export type RecipeRun = "done" | "stopped" | { readonly parked: ParkedRun };

/**
 * Runs a recipe's stages in order in `frame`, from `start`; "stopped" after an
 * `on_error: skip_remaining`; parked at a required approval gate (only the handler's own
 * recipe, `topLevel`, may stop there).
 */
export async function runRecipe(
  recipe: Recipe,
  frame: Frame,
  env: EngineEnv,
  signal: AbortSignal,
  start: StageStart = FROM_THE_TOP,
  topLevel = false,
): Promise<RecipeRun> {
  let offset = recipe.stages.slice(0, start.stage).reduce((n, s) => n + s.steps.length, 0);
  for (let i = start.stage; i < recipe.stages.length; i++) {
    const stage = recipe.stages[i]!;
    const gate = stage.approval?.required ? stage.approval : undefined;
    if (gate?.when === "before_stage" && !(i === start.stage && start.gatePassed))
      return { parked: parkAt(recipe, i, frame, env, { stage: i, gatePassed: true }, topLevel) };
    const result = await runSteps(stage.steps, frame, env, signal, {
      at: stage.at,
      offset,
      ...(stage.name !== undefined ? { stage: stage.name } : {}),
    });
    if (result === "stopped") return result;
    offset += stage.steps.length;
    if (gate?.when === "after_stage")
      return { parked: parkAt(recipe, i, frame, env, { stage: i + 1, gatePassed: false }, topLevel) };
  }
  return "done";
}

/**
 * A `recipe` step: runs the sub-recipe with only the context the step passes (Amplifier's context
 * isolation). Its output is the map of the sub-recipe's named outputs for `type: recipe` (Amplifier's
 * form), else the sub-recipe's last output.
 */
export async function runNestedRecipe(
  step: RecipeStepConfig,
  context: Record<string, unknown>,
  frame: Frame,
  env: EngineEnv,
  signal: AbortSignal,
): Promise<unknown> {
  const maxDepth = step.recursion?.max_depth ?? frame.maxDepth;
  const recipe = await loadRecipe(env, step.recipe, frame.recipe?.path, frame.recipeStack, maxDepth);
  const child = recipeFrame(frame, recipe, context, maxDepth);
  env.actions.push(`recipe:${recipe.id}`);
  const outerMax = env.budget.max;
  if (step.recursion?.max_total_steps !== undefined) env.budget.max = step.recursion.max_total_steps;
  try {
    await runRecipe(recipe, child, env, signal);
  } finally {
    env.budget.max = outerMax;
  }
  return step.type === "recipe" ? { ...child.named } : child.last.output;
}
