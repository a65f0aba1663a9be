/**
 * Amplifier's `foreach`: the step runs once per item of a list, the item readable as `{{item}}`
 * (or the `as:` name) in that iteration only. `parallel: true` runs up to 4 iterations at once,
 * `parallel: N` up to N; results keep the list's order either way. An empty list skips the step;
 * a longer list than `max_iterations` (100), a missing variable or a value that is not a list
 * fails it; the first failing iteration fails the step and stops the others (fail-fast).
 */
import { DEFAULT_MAX_ITERATIONS, DEFAULT_PARALLEL_ITERATIONS, type StepConfig } from "../config/schema.ts";
import type { EngineEnv } from "./engine-env.ts";
import { PipelineError, TemplateError, errorMessage } from "./errors.ts";
import { runControlled } from "./run-steps.ts";
import { scopeOf, type Frame } from "./scope.ts";
import { explainMissing, lookupPath, singleVariable, written } from "./template.ts";

export type LoopResult = { readonly kind: "empty" } | { readonly kind: "ran"; readonly results: unknown[] };

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return "a map";
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
}

function itemsOf(step: StepConfig, frame: Frame, where: string): unknown[] {
  const ref = singleVariable(step.foreach!)!;
  const scope = scopeOf(frame);
  const hit = lookupPath(scope, ref.path);
  if (!hit.found) throw new TemplateError(`${where}.foreach: ${explainMissing(ref, scope)}`);
  if (!Array.isArray(hit.value))
    throw new TemplateError(`${where}.foreach: ${written(ref)} must be a list; found ${describe(hit.value)}`);
  const max = step.max_iterations ?? DEFAULT_MAX_ITERATIONS;
  if (hit.value.length > max)
    throw new TemplateError(
      `${where}.foreach: ${written(ref)} has ${hit.value.length} items, more than max_iterations (${max})`,
    );
  return hit.value;
}

function parallelism(step: StepConfig): number {
  if (step.parallel === true) return DEFAULT_PARALLEL_ITERATIONS;
  return typeof step.parallel === "number" ? step.parallel : 1;
}

export async function runForeach(
  step: StepConfig,
  where: string,
  frame: Frame,
  env: EngineEnv,
  signal: AbortSignal,
): Promise<LoopResult> {
  const items = itemsOf(step, frame, where);
  if (items.length === 0) return { kind: "empty" };
  const loopVar = step.as ?? "item";
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });

  const results: unknown[] = new Array<unknown>(items.length);
  const actions: string[][] = items.map(() => []);
  let failure: { index: number; error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length && !stop.signal.aborted) {
      const i = next++;
      const iteration: Frame = { ...frame, vars: { ...frame.vars, [loopVar]: items[i] } };
      const iterationEnv: EngineEnv = { ...env, actions: actions[i]! };
      try {
        const run = await runControlled(step, `${where} iteration ${i}`, iteration, iterationEnv, stop.signal);
        if (run.action) actions[i]!.push(run.action);
        results[i] = run.output;
      } catch (error) {
        if (failure === undefined) failure = { index: i, error };
        stop.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallelism(step), items.length) }, worker));
  } finally {
    signal.removeEventListener("abort", onAbort);
    for (const list of actions) env.actions.push(...list);
  }
  if (failure === undefined && signal.aborted) throw new PipelineError(`${where}: aborted`, { cause: signal.reason });
  if (failure !== undefined) {
    const { index, error } = failure;
    const message = errorMessage(error);
    if (message.startsWith(`${where} iteration`)) throw error;
    throw new PipelineError(`${where} iteration ${index}: ${message}`, {
      permanent: (error as { permanent?: boolean }).permanent === true,
      cause: error,
    });
  }
  return { kind: "ran", results };
}
