/** One attempt of one step: a prompt to a provider, a tool call, or a nested recipe. */
import type { StepConfig } from "../config/schema.ts";
import { spendStep, type EngineEnv } from "./engine-env.ts";
import { RecipeError } from "./errors.ts";
import { ParseJson, processAnswer } from "./parse-json.ts";
import { completionRequest, instructionOf, promptTarget } from "./prompt-request.ts";
import { runNestedRecipe } from "./run-recipe.ts";
import { scopeOf, type Frame } from "./scope.ts";
import { isPromptStep, isRecipeStep, isToolStep } from "./step-kind.ts";
import { renderTemplate, renderValue, type RenderOptions } from "./template.ts";

/** Keys of a tool step that are not tool arguments. */
const STEP_KEYS = new Set([
  "tool",
  "action",
  "id",
  "as",
  "output",
  "condition",
  "timeout",
  "retry",
  "on_error",
  "default",
  "foreach",
  "collect",
  "parallel",
  "max_iterations",
  "parse_json",
  "depends_on",
]);

export interface StepRun {
  readonly output: unknown;
  /** The `actions_taken` entry, "" when the step recorded its own (recipes). */
  readonly action: string;
}

export function renderOptions(step: StepConfig, where: string): RenderOptions {
  return step.default !== undefined ? { where, fallback: { value: step.default } } : { where };
}

/** How a prompt step's answer is read: `parse_json`, else clean JSON inside recipes, else text. */
function parseMode(step: { parse_json?: boolean }, frame: Frame): ParseJson {
  if (step.parse_json === true) return ParseJson.EXTRACT;
  if (step.parse_json === false) return ParseJson.NEVER;
  return frame.recipe ? ParseJson.CLEAN : ParseJson.NEVER;
}

export async function runStepOnce(
  step: StepConfig,
  where: string,
  frame: Frame,
  env: EngineEnv,
  signal: AbortSignal,
): Promise<StepRun> {
  const scope = scopeOf(frame);
  if (isPromptStep(step)) {
    const prompt = renderTemplate(step.prompt, scope, renderOptions(step, `${where}.prompt`));
    const system =
      step.system === undefined
        ? undefined
        : renderTemplate(step.system, scope, renderOptions(step, `${where}.system`));
    const target = promptTarget(step, env.config, env.handler.provider, where);
    const entry = env.providers.get(target.providerName);
    spendStep(env, where);
    const request = completionRequest(step, target, entry, instructionOf(step, prompt), system, signal);
    env.observation?.input?.(
      request.system === undefined ? { prompt: request.prompt } : { prompt: request.prompt, system: request.system },
    );
    const response = await entry.provider.complete(request);
    env.observation?.prompt({
      provider: entry.provider.name,
      model: response.model ?? request.model,
      inputTokens: response.usage?.inputTokens,
      outputTokens: response.usage?.outputTokens,
    });
    return { output: processAnswer(response.text, parseMode(step, frame)), action: `prompt:${entry.provider.name}` };
  }
  if (isRecipeStep(step)) {
    const context = (
      step.context === undefined ? {} : renderValue(step.context, scope, renderOptions(step, `${where}.context`))
    ) as Record<string, unknown>;
    env.observation?.input?.(context);
    const nested = env.observation ? { ...env, observer: env.observation.nested } : env;
    return { output: await runNestedRecipe(step, context, frame, nested, signal), action: "" };
  }
  if (!isToolStep(step)) throw new RecipeError(`${where}: not a prompt, tool or recipe step`);
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step)) {
    if (!STEP_KEYS.has(key)) args[key] = renderValue(value, scope, renderOptions(step, `${where}.${key}`));
  }
  const outputPath = env.handler.config.output_path;
  if (
    step.tool === "tool-filesystem" &&
    (step.action === "write" || step.action === "append") &&
    args.path === undefined &&
    typeof outputPath === "string"
  ) {
    args.path = renderTemplate(outputPath, scope, renderOptions(step, `${where}.path (handler config.output_path)`));
  }
  env.observation?.input?.(args);
  const tool = env.tools.get(step.tool, step.action);
  const result = await tool.run(step.action, args, {
    signal,
    previousOutput: frame.last.output,
    handler: env.handlerName,
    handlerConfig: env.handler.config,
    event: env.event,
  });
  return { output: result.output, action: `${step.tool}.${step.action}${result.target ? `:${result.target}` : ""}` };
}
