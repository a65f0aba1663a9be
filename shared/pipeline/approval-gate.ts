/**
 * Approval gates of staged recipes: where a run stops (`before_stage`: before the stage's first
 * step; `after_stage`, Amplifier's default: once its steps ran), what the person is asked (the
 * gate's prompt, rendered with what the run knows), and the snapshot it continues from once
 * approved, possibly in another process after a restart. Only the handler's own recipe can stop:
 * a sub-recipe runs inside one step, which cannot be resumed halfway.
 */
import type { OrchestratorConfig } from "../config/schema.ts";
import type { ApprovalGate, ParkedRun, RunResume, RunSnapshot } from "../events/parked-run.ts";
import type { RecipeSource } from "../ports/recipe-source.ts";
import type { EngineEnv } from "./engine-env.ts";
import { RecipeError } from "./errors.ts";
import type { Recipe } from "./recipe.ts";
import { scopeOf, type Frame } from "./scope.ts";
import { renderTemplate } from "./template.ts";

/** Where a recipe run starts: the first stage, or where an approved gate left it. */
export interface StageStart {
  readonly stage: number;
  /** The start stage's `before_stage` gate was the one approved. */
  readonly gatePassed: boolean;
}

export const FROM_THE_TOP: StageStart = { stage: 0, gatePassed: false };

export function parkAt(
  recipe: Recipe,
  stageIndex: number,
  frame: Frame,
  env: EngineEnv,
  next: StageStart,
  topLevel: boolean,
): ParkedRun {
  const stage = recipe.stages[stageIndex]!;
  const approval = stage.approval!;
  const where = `recipe ${recipe.id} stages[${stageIndex}].approval`;
  if (!topLevel)
    throw new RecipeError(
      `${where}: approval gates stop the handler's own recipe; this recipe runs as a step of another one, which cannot stop halfway (make it the handler's recipe, or drop the gate)`,
    );
  const gate: ApprovalGate = {
    recipe: recipe.id,
    stage: stage.name ?? `#${stageIndex}`,
    stageIndex,
    when: approval.when,
    prompt: renderTemplate(approval.prompt ?? `Continue past stage "${stage.name}"?`, scopeOf(frame), {
      where: `${where}.prompt`,
    }),
    timeoutSeconds: approval.timeout,
    onTimeout: approval.default,
  };
  const snapshot: RunSnapshot = {
    nextStage: next.stage,
    gatePassed: next.gatePassed,
    context: frame.context,
    vars: frame.vars,
    named: frame.named,
    steps: frame.steps,
    skipped: frame.skipped,
    last: frame.last,
    actions: env.actions,
    promptSteps: env.budget.used,
  };
  // Detach from the live frame: the snapshot is stored as JSON.
  return JSON.parse(JSON.stringify({ gate, snapshot })) as ParkedRun;
}

/** Puts a snapshot back into a fresh frame and env; the stage to start from. */
export function restore(resume: RunResume, recipe: Recipe, frame: Frame, env: EngineEnv): StageStart {
  const { gate, snapshot } = resume.parked;
  if (gate.recipe !== recipe.id)
    throw new RecipeError(
      `this run stopped at a gate of recipe ${gate.recipe}, but the handler's recipe is now ${recipe.id}; it cannot continue`,
    );
  if (snapshot.nextStage > recipe.stages.length)
    throw new RecipeError(`recipe ${recipe.id} has fewer stages than when this run stopped at its gate`);
  Object.assign(frame.vars, snapshot.vars);
  Object.assign(frame.named, snapshot.named);
  frame.steps.push(...snapshot.steps);
  frame.skipped.push(...snapshot.skipped);
  frame.last = snapshot.last;
  env.actions.push(...snapshot.actions, `approval:${gate.stage}:approved`);
  env.budget.used = snapshot.promptSteps;
  return { stage: snapshot.nextStage, gatePassed: snapshot.gatePassed };
}

/**
 * Whether runs of a handler can stop at a gate: its own recipe has a required approval (the gates
 * of sub-recipes are refused by validation). Read once per handler; a recipe that cannot be read
 * answers yes (the caller then looks, rather than miss a gate).
 */
export function handlerMayPark(
  config: OrchestratorConfig,
  recipes: RecipeSource,
): (handler: string) => Promise<boolean> {
  const known = new Map<string, Promise<boolean>>();
  return (handler) => {
    let answer = known.get(handler);
    if (!answer) {
      const ref = config.handlers[handler]?.recipe;
      answer =
        ref === undefined
          ? Promise.resolve(false)
          : // Recipe parsing (zod, yaml) loads on first use, as in run-recipe.ts: a cold start without recipes never pays it.
            Promise.all([recipes.load(ref), import("./recipe.ts")]).then(
              ([{ id, text }, { parseRecipe }]) =>
                parseRecipe(id, text).stages.some((stage) => stage.approval?.required === true),
              () => true,
            );
      known.set(handler, answer);
    }
    return answer;
  };
}
