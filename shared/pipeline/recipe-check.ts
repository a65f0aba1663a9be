/**
 * `evd validate`'s recipe check: every recipe the config references is loaded, recursively
 * (relative to the recipe that names it), and checked as fully as it can be before an event
 * arrives: the file itself (schema, refused keys, ids, `depends_on`), cycles and nesting depth,
 * fixed sub-recipe paths, providers and model globs, agents a recipe declares it requires,
 * approval gates, and `{{variables}}` no context value or earlier output defines.
 */
import type { ConfigIssue } from "../config/errors.ts";
import { formatKeyPath } from "../config/key-path.ts";
import type { HandlerConfig, OrchestratorConfig, StepConfig } from "../config/schema.ts";
import { ProviderKind } from "../config/schema.ts";
import type { RecipeSource } from "../ports/recipe-source.ts";
import { DEFAULT_MAX_DEPTH } from "./engine-env.ts";
import { errorMessage } from "./errors.ts";
import { promptTarget } from "./prompt-request.ts";
import { parseRecipe, recipeSteps, RecipeFileError, type Recipe } from "./recipe.ts";
import { addStepNames, describeUndefined, initialNames, undefinedVariables } from "./recipe-names.ts";
import { isPromptStep, isRecipeStep } from "./step-kind.ts";

export interface RecipeCheck {
  readonly issues: ConfigIssue[];
  /** Canonical ids of the recipes loaded, in the order met. */
  readonly recipes: string[];
  /** Agent names steps use, and what each means here. */
  readonly agents: Record<string, string>;
}

interface Walk {
  readonly config: OrchestratorConfig;
  readonly source: RecipeSource;
  readonly issues: ConfigIssue[];
  readonly loaded: Map<string, Recipe | undefined>;
  readonly agents: Record<string, string>;
}

/** Where a problem inside a recipe is reported: the config key that led there, and the chain of recipes. */
interface Trail {
  readonly path: string;
  readonly via: string;
}

function report(walk: Walk, trail: Trail, message: string): void {
  walk.issues.push({ path: trail.path, message: `${trail.via}${message}` });
}

function describeAgent(config: OrchestratorConfig, name: string, handler: HandlerConfig | undefined): string {
  const agent = config.agents[name];
  const provider = agent?.provider ?? handler?.provider ?? config.default_provider;
  if (!agent) return `not under agents: no system prompt, provider ${provider}`;
  return `${agent.system ? "system prompt" : "no system prompt"}, provider ${provider}${agent.model ? `, model ${agent.model}` : ""}`;
}

/**
 * A prompt step's agent, provider and model. `providerName`: also check the provider exists (for
 * handler steps in the config, the config's own checks already do).
 */
function checkPromptStep(
  walk: Walk,
  trail: Trail,
  where: string,
  step: StepConfig,
  handler: HandlerConfig | undefined,
  providerName = true,
): void {
  if (!isPromptStep(step)) return;
  const { config } = walk;
  if (step.agent !== undefined) walk.agents[step.agent] ??= describeAgent(config, step.agent, handler);
  try {
    const target = promptTarget(step, config, handler?.provider, where);
    const known = target.providerName === ProviderKind.ECHO || Object.hasOwn(config.providers, target.providerName);
    if (!known && providerName)
      report(
        walk,
        trail,
        `${where}.provider: no provider named "${target.providerName}"; configure it under \`providers\` (a recipe's provider names a configured provider; configured: ${["echo", ...Object.keys(config.providers)].join(", ")})`,
      );
  } catch (error) {
    report(walk, trail, errorMessage(error));
  }
}

async function checkRecipe(
  walk: Walk,
  ref: string,
  from: string | undefined,
  stack: readonly string[],
  maxDepth: number,
  passed: Iterable<string>,
  trail: Trail,
  handler: HandlerConfig | undefined,
): Promise<void> {
  let id: string;
  let recipe: Recipe | undefined;
  try {
    const loaded = await walk.source.load(ref, from);
    id = loaded.id;
    if (stack.includes(id)) {
      report(walk, trail, `recipe cycle: ${[...stack, id].join(" -> ")}`);
      return;
    }
    if (stack.length >= maxDepth) {
      report(walk, trail, `recipes nest deeper than ${maxDepth} (recursion.max_depth): ${[...stack, id].join(" -> ")}`);
      return;
    }
    if (!walk.loaded.has(id)) {
      try {
        walk.loaded.set(id, parseRecipe(id, loaded.text));
      } catch (error) {
        walk.loaded.set(id, undefined);
        if (!(error instanceof RecipeFileError)) throw error;
        for (const i of error.issues)
          report(
            walk,
            trail,
            `recipe ${id}: ${[i.path, i.line === undefined ? "" : `(line ${i.line})`].filter(Boolean).join(" ")}${i.path || i.line ? ": " : ""}${i.message}`,
          );
        return;
      }
    }
    recipe = walk.loaded.get(id);
  } catch (error) {
    report(walk, trail, errorMessage(error));
    return;
  }
  if (!recipe) return;
  const depth = stack.length === 0 ? (recipe.recursion?.max_depth ?? DEFAULT_MAX_DEPTH) : maxDepth;
  for (const { agent, source } of recipe.requiredAgents)
    if (!Object.hasOwn(walk.config.agents, agent))
      report(
        walk,
        trail,
        `recipe ${id}: dependencies: requires agent "${agent}" (from ${source}); bundles are not fetched here: describe the agent under \`agents:\` in the config`,
      );
  const names = initialNames([...Object.keys(recipe.context), ...passed]);
  const gateCheck = (i: number, when: string) => {
    const approval = recipe.stages[i]!.approval;
    if (!approval?.required || approval.when !== when) return;
    const at = `recipe ${id} ${formatKeyPath(["stages", i, "approval"])}`;
    if (stack.length > 0)
      report(
        walk,
        trail,
        `${at}: approval gates stop the handler's own recipe; this recipe runs as a step of another one, which cannot stop halfway (make it a handler's recipe, or drop the gate)`,
      );
    for (const u of undefinedVariables({ prompt: approval.prompt ?? "x", on_error: "fail" }, names))
      report(walk, trail, `${at}.prompt: ${describeUndefined(u)}`);
  };
  let stageOf = -1;
  for (const { step, at } of recipeSteps(recipe)) {
    const stageIndex = Number(/^stages\[(\d+)\]/.exec(at)?.[1] ?? 0);
    if (stageIndex !== stageOf) {
      if (stageOf >= 0) gateCheck(stageOf, "after_stage");
      stageOf = stageIndex;
      gateCheck(stageIndex, "before_stage");
    }
    const where = `recipe ${id} ${at}`;
    for (const u of undefinedVariables(step, names)) report(walk, trail, `${where}.${u.key}: ${describeUndefined(u)}`);
    checkPromptStep(walk, trail, where, step, handler);
    if (isRecipeStep(step)) {
      if (/[{}]/.test(step.recipe))
        report(
          walk,
          trail,
          `${where}.recipe: "${step.recipe}" is a template; a recipe path must be fixed so \`evd validate\` and the deploy bundle can include it (choose between fixed paths with \`condition:\`)`,
        );
      else
        await checkRecipe(
          walk,
          step.recipe,
          id,
          [...stack, id],
          step.recursion?.max_depth ?? depth,
          Object.keys(step.context ?? {}),
          { path: trail.path, via: `${trail.via}${where} -> ` },
          handler,
        );
    }
    addStepNames(names, step);
  }
  if (stageOf >= 0) gateCheck(stageOf, "after_stage");
}

/** Loads and checks every recipe `config` references. */
export async function checkRecipes(config: OrchestratorConfig, source: RecipeSource): Promise<RecipeCheck> {
  const walk: Walk = { config, source, issues: [], loaded: new Map(), agents: {} };
  for (const [name, handler] of Object.entries(config.handlers)) {
    if (handler.recipe !== undefined) {
      const passed = Object.keys(handler.context ?? {});
      await checkRecipe(
        walk,
        handler.recipe,
        undefined,
        [],
        DEFAULT_MAX_DEPTH,
        passed,
        {
          path: formatKeyPath(["handlers", name, "recipe"]),
          via: "",
        },
        handler,
      );
    }
    for (const [i, step] of (handler.steps ?? []).entries()) {
      const trail = { path: formatKeyPath(["handlers", name, "steps", i]), via: "" };
      checkPromptStep(walk, trail, formatKeyPath(["steps", i]), step, handler, false);
      if (isRecipeStep(step))
        await checkRecipe(
          walk,
          step.recipe,
          undefined,
          [],
          step.recursion?.max_depth ?? DEFAULT_MAX_DEPTH,
          Object.keys(step.context ?? {}),
          {
            path: `${trail.path}.recipe`,
            via: "",
          },
          handler,
        );
    }
  }
  return { issues: walk.issues, recipes: [...walk.loaded.keys()], agents: walk.agents };
}
