/**
 * The step engine: runs `prompt`, `tool` and `recipe` steps in order with conditions, per-step
 * timeout and retry, and `on_error` (fail | continue | skip_remaining).
 */
import type { HandlerConfig, StepConfig } from "../config/schema.ts";
import type { Event } from "../events/event.ts";
import type { Logger } from "../logging/logger.ts";
import type { ProviderRegistry } from "../providers/registry.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import type { StepTraceLog } from "./step-trace-log.ts";
import { evaluateCondition } from "./condition.ts";
import { PipelineError, RecipeError, errorMessage, isPermanent } from "./errors.ts";
import type { RecipeSource } from "./pipeline-runner.ts";
import { parseRecipe, type Recipe } from "./recipe.ts";
import { scopeOf, type Frame } from "./scope.ts";
import { isPromptStep, isRecipeStep, isToolStep, stepKindOf } from "./step-kind.ts";
import { withDeadline, withRetry } from "./step-control.ts";
import { renderTemplate, renderValue, type RenderOptions } from "./template.ts";
import { RESERVED_NAMES, wellKnownOutputs } from "./well-known-outputs.ts";

/** Nested recipes deeper than this are refused (stops runaway recursion). */
export const MAX_RECIPE_DEPTH = 8;

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
]);

export interface EngineEnv {
  readonly providers: ProviderRegistry;
  readonly tools: ToolRegistry;
  readonly recipes: RecipeSource;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly handlerName: string;
  readonly handler: HandlerConfig;
  readonly event: Event;
  readonly actions: string[];
  readonly retryBaseDelayMs: number;
  /** Records each step's rendered input, output and timings (the dashboard's job page). */
  readonly trace?: StepTraceLog;
}

/** A failed step (after retries) whose `on_error` is `fail`; `permanent` follows the cause. */
export class StepError extends PipelineError {
  override readonly name = "StepError";
  constructor(message: string, cause: unknown) {
    super(message, { permanent: isPermanent(cause), cause });
  }
}

interface StepRun {
  readonly output: unknown;
  readonly action: string;
}

function renderOptions(step: StepConfig, where: string): RenderOptions {
  return step.default !== undefined ? { where, fallback: { value: step.default } } : { where };
}

export async function loadRecipe(env: EngineEnv, ref: string, stack: readonly string[]): Promise<Recipe> {
  if (stack.includes(ref)) throw new RecipeError(`recipe cycle: ${[...stack, ref].join(" -> ")}`);
  if (stack.length >= MAX_RECIPE_DEPTH)
    throw new RecipeError(`recipes nest deeper than ${MAX_RECIPE_DEPTH}: ${[...stack, ref].join(" -> ")}`);
  return parseRecipe(ref, await env.recipes.load(ref));
}

export function recipeFrame(
  parent: Pick<Frame, "base" | "shortcuts" | "recipeStack">,
  recipe: Recipe,
  context: Record<string, unknown>,
): Frame {
  return {
    prefix: `recipe ${recipe.ref} `,
    base: parent.base,
    shortcuts: parent.shortcuts,
    context: { ...recipe.context, ...context },
    vars: {},
    steps: [],
    last: { has: false },
    recipeStack: [...parent.recipeStack, recipe.ref],
  };
}

async function runOnce(
  step: StepConfig,
  where: string,
  frame: Frame,
  env: EngineEnv,
  signal: AbortSignal,
): Promise<StepRun> {
  const scope = scopeOf(frame);
  const previousOutput = frame.last.output;
  if (isPromptStep(step)) {
    const prompt = renderTemplate(step.prompt, scope, renderOptions(step, `${where}.prompt`));
    const system =
      step.system === undefined
        ? undefined
        : renderTemplate(step.system, scope, renderOptions(step, `${where}.system`));
    const entry = env.providers.get(step.provider ?? env.handler.provider);
    env.trace?.input(where, system === undefined ? { prompt } : { prompt, system });
    const response = await entry.provider.complete({
      prompt,
      system,
      model: step.model ?? entry.model,
      maxTokens: step.max_tokens ?? entry.maxTokens,
      signal,
    });
    return { output: response.text, action: `prompt:${entry.provider.name}` };
  }
  if (isRecipeStep(step)) {
    const recipe = await loadRecipe(env, step.recipe, frame.recipeStack);
    const context = (
      step.context === undefined ? {} : renderValue(step.context, scope, renderOptions(step, `${where}.context`))
    ) as Record<string, unknown>;
    env.trace?.input(where, context);
    const child = recipeFrame(frame, recipe, context);
    env.actions.push(`recipe:${recipe.ref}`);
    await runSteps(recipe.steps, child, env, signal);
    return { output: child.last.output, action: "" };
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
  env.trace?.input(where, args);
  const tool = env.tools.get(step.tool, step.action);
  const result = await tool.run(step.action, args, {
    signal,
    previousOutput,
    handler: env.handlerName,
    handlerConfig: env.handler.config,
    event: env.event,
  });
  return { output: result.output, action: `${step.tool}.${step.action}${result.target ? `:${result.target}` : ""}` };
}

function prefixed(where: string, error: unknown): string {
  const message = errorMessage(error);
  return message.startsWith(where) ? message : `${where}: ${message}`;
}

/**
 * Runs the steps in `frame`. Returns "done", or "stopped" when a step with
 * `on_error: skip_remaining` failed. Throws StepError when a step with `on_error: fail` failed.
 */
export async function runSteps(
  steps: readonly StepConfig[],
  frame: Frame,
  env: EngineEnv,
  signal: AbortSignal,
): Promise<"done" | "stopped"> {
  const log = env.logger;
  for (const [index, step] of steps.entries()) {
    const where = `${frame.prefix}steps[${index}]${step.id ? ` (${step.id})` : ""}`;
    const name = step.as ?? step.output;
    if (name !== undefined && RESERVED_NAMES.has(name)) {
      throw new StepError(
        `${where}: output name "${name}" is reserved (${[...RESERVED_NAMES].join(", ")})`,
        new RecipeError("reserved output name"),
      );
    }
    if (step.condition !== undefined && !evaluateCondition(step.condition, scopeOf(frame), `${where}.condition`)) {
      frame.steps[index] = { skipped: true };
      env.trace?.skipped(where, stepKindOf(step), `condition ${step.condition} is false`);
      log.log("info", "step skipped by its condition", { step: where, condition: step.condition });
      continue;
    }
    const policy = {
      maxAttempts: step.retry?.max_attempts ?? 1,
      backoff: step.retry?.backoff ?? "exponential",
      baseDelayMs: env.retryBaseDelayMs,
    };
    env.trace?.begin(where, stepKindOf(step));
    try {
      const run = await withRetry(
        policy,
        signal,
        (attempt) => {
          log.log("debug", "step started", { step: where, attempt });
          return withDeadline(
            (stepSignal) => runOnce(step, where, frame, env, stepSignal),
            signal,
            step.timeout,
            where,
          );
        },
        (attempt, error) =>
          log.log("warn", "step failed, retrying", { step: where, attempt, error: errorMessage(error) }),
      );
      if (run.action) env.actions.push(run.action);
      env.trace?.succeeded(where, run.action, run.output);
      frame.steps[index] = { output: run.output };
      for (const known of wellKnownOutputs(step)) frame.vars[known] = run.output;
      if (name !== undefined) frame.vars[name] = run.output;
      frame.last = { has: true, output: run.output };
      log.log("info", "step finished", { step: where, action: run.action || undefined });
    } catch (error) {
      const message = prefixed(where, error);
      env.trace?.failed(where, message);
      if (signal.aborted || step.on_error === "fail") throw new StepError(message, error);
      frame.steps[index] = { error: message };
      log.log(
        "warn",
        step.on_error === "continue" ? "step failed, continuing" : "step failed, skipping the remaining steps",
        { step: where, error: message },
      );
      if (step.on_error === "skip_remaining") return "stopped";
    }
  }
  return "done";
}
