/**
 * The step engine: runs a list of `prompt`, `tool` and `recipe` steps in order with `condition`,
 * `foreach`, per-step `timeout` and `retry`, and `on_error` (fail | continue | skip_remaining).
 * One step's single call lives in run-step-once.ts; loops in foreach.ts; recipes in run-recipe.ts.
 */
import type { StepConfig } from "../config/schema.ts";
import { evaluateCondition } from "./condition.ts";
import { StepError, type EngineEnv } from "./engine-env.ts";
import { RecipeError, TemplateError, errorMessage } from "./errors.ts";
import { runForeach } from "./foreach.ts";
import { runStepOnce } from "./run-step-once.ts";
import { scopeOf, type Frame } from "./scope.ts";
import { withDeadline, withRetry } from "./step-control.ts";
import { isPromptStep, isRecipeStep } from "./step-kind.ts";
import { StepKind, type StepStart } from "./step-observer.ts";
import { lookupPath, singleVariable } from "./template.ts";
import { RESERVED_NAMES, wellKnownOutputs } from "./well-known-outputs.ts";

/** Seconds of a step's `timeout` (a number, or one variable holding a positive integer). */
function timeoutSeconds(step: StepConfig, frame: Frame, where: string): number | undefined {
  if (step.timeout === undefined || typeof step.timeout === "number") return step.timeout;
  const ref = singleVariable(step.timeout)!;
  const hit = lookupPath(scopeOf(frame), ref.path);
  const seconds = hit.found ? Number(hit.value) : NaN;
  if (!Number.isInteger(seconds) || seconds <= 0)
    throw new TemplateError(
      `${where}.timeout: ${step.timeout} must hold a positive whole number of seconds; found ${hit.found ? JSON.stringify(hit.value) : "nothing"}`,
    );
  return seconds;
}

/** One step with its timeout and retry: the value every attempt of it produced last. */
export async function runControlled(
  step: StepConfig,
  where: string,
  frame: Frame,
  env: EngineEnv,
  signal: AbortSignal,
): Promise<{ output: unknown; action: string }> {
  const seconds = timeoutSeconds(step, frame, where);
  const policy = {
    maxAttempts: step.retry?.max_attempts ?? 1,
    backoff: step.retry?.backoff ?? "exponential",
    baseDelayMs: step.retry?.initial_delay === undefined ? env.retryBaseDelayMs : step.retry.initial_delay * 1000,
    ...(step.retry?.max_delay !== undefined ? { maxDelayMs: step.retry.max_delay * 1000 } : {}),
  };
  return withRetry(
    policy,
    signal,
    (attempt) => {
      env.logger.log("debug", "step started", { step: where, attempt });
      return withDeadline((stepSignal) => runStepOnce(step, where, frame, env, stepSignal), signal, seconds, where);
    },
    (attempt, error) =>
      env.logger.log("warn", "step failed, retrying", { step: where, attempt, error: errorMessage(error) }),
  );
}

/** What the observers are told of a step as it starts. */
function stepStart(step: StepConfig, where: string, index: number): StepStart {
  const id = step.id !== undefined ? { id: step.id } : {};
  if (isPromptStep(step)) return { where, index, kind: StepKind.PROMPT, ...id };
  if (isRecipeStep(step)) return { where, index, kind: StepKind.RECIPE, recipe: step.recipe, ...id };
  const tool = step as { tool?: unknown; action?: unknown };
  return {
    where,
    index,
    kind: StepKind.TOOL,
    ...id,
    ...(typeof tool.tool === "string" ? { tool: tool.tool } : {}),
    ...(typeof tool.action === "string" ? { action: tool.action } : {}),
  };
}

function prefixed(where: string, error: unknown): string {
  const message = errorMessage(error);
  return message.startsWith(where) ? message : `${where}: ${message}`;
}

/** Records a step's output under its index, its names and the well-known names. */
function record(frame: Frame, step: StepConfig, index: number, output: unknown, last: unknown): void {
  frame.steps[index] = { output };
  for (const known of wellKnownOutputs(step)) frame.vars[known] = last;
  const looped = step.foreach !== undefined;
  const names: [string | undefined, unknown][] = looped
    ? [
        [step.collect, output],
        [step.collect === undefined ? step.output : undefined, last],
      ]
    : [[step.as ?? step.output, output]];
  for (const [name, value] of names) {
    if (name === undefined) continue;
    frame.vars[name] = value;
    frame.named[name] = value;
  }
  frame.last = { has: true, output };
}

/** A condition that cannot be evaluated fails the run whatever the step's `on_error` (as in Amplifier). */
function conditionHolds(condition: string, frame: Frame, where: string): boolean {
  try {
    return evaluateCondition(condition, scopeOf(frame), `${where}.condition`);
  } catch (error) {
    throw new StepError(prefixed(where, error), error);
  }
}

function skip(frame: Frame, step: StepConfig, index: number): void {
  frame.steps[index] = { skipped: true };
  if (step.id !== undefined) frame.skipped.push(step.id);
}

export interface StepListPlace {
  /** Key path of the list in its file: `steps` or `stages[1].steps`. */
  readonly at: string;
  /** Index of the list's first step among the recipe's steps (`{steps.N}` counts across stages). */
  readonly offset: number;
  readonly stage?: string;
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
  place: StepListPlace = { at: "steps", offset: 0 },
): Promise<"done" | "stopped"> {
  const log = env.logger;
  for (const [local, step] of steps.entries()) {
    const index = place.offset + local;
    const where = `${frame.prefix}${place.at}[${local}]${step.id ? ` (${step.id})` : ""}`;
    const name = step.foreach === undefined ? (step.as ?? step.output) : (step.collect ?? step.output);
    if (name !== undefined && RESERVED_NAMES.has(name))
      throw new StepError(
        `${where}: output name "${name}" is reserved (${[...RESERVED_NAMES].join(", ")})`,
        new RecipeError("reserved output name"),
      );
    frame.step = {
      ...(step.id !== undefined ? { id: step.id } : {}),
      index: local,
      ...(place.stage ? { stage: place.stage } : {}),
    };
    if (step.condition !== undefined && !conditionHolds(step.condition, frame, where)) {
      skip(frame, step, index);
      env.observer.skipped?.(stepStart(step, where, index), `condition ${step.condition} is false`);
      log.log("info", "step skipped by its condition", { step: where, condition: step.condition });
      continue;
    }
    const observation = env.observer.step(stepStart(step, where, index));
    const stepEnv: EngineEnv = { ...env, observation };
    try {
      let action: string | undefined;
      let output: unknown;
      if (step.foreach !== undefined) {
        const loop = await runForeach(step, where, frame, stepEnv, signal);
        if (loop.kind === "empty") {
          skip(frame, step, index);
          observation.end({});
          log.log("info", "step skipped: its foreach list is empty", { step: where });
          continue;
        }
        record(
          frame,
          step,
          index,
          step.collect !== undefined ? loop.results : loop.results.at(-1),
          loop.results.at(-1),
        );
        output = loop.results;
      } else {
        const run = await runControlled(step, where, frame, stepEnv, signal);
        if (run.action) env.actions.push(run.action);
        action = run.action || undefined;
        output = run.output;
        record(frame, step, index, run.output, run.output);
      }
      observation.end({ ...(action ? { action } : {}), output });
      log.log("info", "step finished", { step: where, action });
    } catch (error) {
      const message = prefixed(where, error);
      observation.end({ error: message });
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
