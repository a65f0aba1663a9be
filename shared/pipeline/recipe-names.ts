/**
 * Which template variables a step can read, known before any event arrives, so `evd validate`
 * names a `{{variable}}` that nothing defines instead of the run failing later: the template
 * roots, the event shortcuts, the recipe's context (defaults and what the caller passes), the
 * outputs of earlier steps (and the well-known names of their kinds), a loop's variable.
 */
import { RESERVED_NAMES } from "../config/step-checks.ts";
import type { StepConfig } from "../config/schema.ts";
import { closest } from "../config/did-you-mean.ts";
import { isPromptStep, isRecipeStep, isToolStep } from "./step-kind.ts";
import { templateVariables, written, type VariableRef } from "./template.ts";
import { wellKnownOutputs } from "./well-known-outputs.ts";

/** Event shortcuts: may be absent from a given event, but are never a typo. */
const SHORTCUTS = ["repo", "branch", "files", "changed_files", "files_content", "_skipped_steps"];

/** Names defined before a recipe's first step runs. */
export function initialNames(context: Iterable<string>): Set<string> {
  return new Set([...RESERVED_NAMES, ...SHORTCUTS, ...context]);
}

/** Adds what `step` defines for the steps after it. */
export function addStepNames(names: Set<string>, step: StepConfig): void {
  for (const n of wellKnownOutputs(step)) names.add(n);
  const looped = step.foreach !== undefined;
  for (const n of [looped ? undefined : step.as, step.output, step.collect]) if (n !== undefined) names.add(n);
}

/** The template texts of a step, with the key each sits under. */
function templatesOf(step: StepConfig): { key: string; text: string }[] {
  const out: { key: string; text: string }[] = [];
  const walk = (key: string, value: unknown): void => {
    if (typeof value === "string") out.push({ key, text: value });
    else if (Array.isArray(value)) value.forEach((v, i) => walk(`${key}[${i}]`, v));
    else if (typeof value === "object" && value !== null)
      for (const [k, v] of Object.entries(value)) walk(`${key}.${k}`, v);
  };
  if (isPromptStep(step)) {
    walk("prompt", step.prompt);
    if (step.system !== undefined) walk("system", step.system);
  } else if (isRecipeStep(step)) {
    if (step.context !== undefined) walk("context", step.context);
  } else if (isToolStep(step)) {
    for (const [k, v] of Object.entries(step))
      if (!["tool", "action", "id", "as", "output", "condition", "on_error", "retry", "default", "foreach"].includes(k))
        walk(k, v);
  }
  return out;
}

export interface UndefinedVariable {
  /** The step key holding it: `prompt`, `context.target`, `condition`. */
  readonly key: string;
  readonly ref: VariableRef;
  readonly hint: string;
}

/**
 * Variables `step` reads whose root no one defines. A step with `default:` may read anything; a
 * `{path}` in a condition may be missing (it is then false), a `{{path}}` may not.
 */
export function undefinedVariables(step: StepConfig, names: ReadonlySet<string>): UndefinedVariable[] {
  if (step.default !== undefined) return [];
  const visible = new Set(names);
  if (step.foreach !== undefined) visible.add(step.as ?? "item");
  const refs: { key: string; ref: VariableRef }[] = templatesOf(step).flatMap(({ key, text }) =>
    templateVariables(text).map((ref) => ({ key, ref })),
  );
  if (step.condition !== undefined)
    for (const ref of templateVariables(step.condition)) if (ref.double) refs.push({ key: "condition", ref });
  if (step.foreach !== undefined) for (const ref of templateVariables(step.foreach)) refs.push({ key: "foreach", ref });
  const out: UndefinedVariable[] = [];
  for (const { key, ref } of refs) {
    const root = ref.path.split(".")[0]!;
    const inScope = key === "foreach" ? names : visible;
    if (!inScope.has(root)) out.push({ key, ref, hint: hintFor(root, inScope) });
  }
  return out;
}

function hintFor(root: string, names: ReadonlySet<string>): string {
  const near = closest(root, names);
  return near ? ` (did you mean "${near}"?)` : "";
}

export function describeUndefined(u: UndefinedVariable): string {
  return `${written(u.ref)} is not defined: no context value, earlier step output or loop variable has that name${u.hint}`;
}
