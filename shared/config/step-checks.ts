/**
 * Checks of a step list that span keys or steps, run on the raw steps whatever else is wrong with
 * them (zod reports the shapes): refused Amplifier keys (step-refusals.ts), `foreach`-only keys
 * without `foreach`, reserved output names, duplicate step ids, `depends_on` naming a step that
 * does not come earlier. Used for handler steps in the config and for recipe files.
 */
import type { ConfigIssue } from "./errors.ts";
import { formatKeyPath, isPlainObject, type PathSegment } from "./key-path.ts";
import { refusedStepKeys } from "./step-refusals.ts";

/**
 * Names a step output cannot take: the template roots (`event`, `payload`, `config`, `steps`,
 * `context`, `last_run`) and Amplifier's reserved `recipe`, `session`, `step`.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "event",
  "payload",
  "config",
  "steps",
  "context",
  "last_run",
  "recipe",
  "session",
  "step",
]);

const FOREACH_ONLY = ["collect", "parallel", "max_iterations"] as const;

export interface StepListCheck {
  readonly issues: ConfigIssue[];
  /** Key paths of the steps refused by name: schema problems inside them are noise, drop them. */
  readonly refusedSteps: string[];
}

export function checkStepList(steps: unknown, at: readonly PathSegment[]): StepListCheck {
  const issues: ConfigIssue[] = [];
  const refusedSteps: string[] = [];
  if (!Array.isArray(steps)) return { issues, refusedSteps };
  const add = (path: PathSegment[], message: string) => issues.push({ path: formatKeyPath(path), message });
  const seen = new Map<string, number>();
  steps.forEach((step: unknown, i: number) => {
    if (!isPlainObject(step)) return;
    const here = [...at, i];
    const refused = refusedStepKeys(step);
    for (const r of refused) add([...here, r.key], r.reason);
    if (refused.length > 0) refusedSteps.push(formatKeyPath(here));

    if (step.foreach === undefined)
      for (const key of FOREACH_ONLY)
        if (step[key] !== undefined)
          add([...here, key], `\`${key}\` applies to a \`foreach\` step; this step has none`);
    for (const key of ["output", "as", "collect"] as const) {
      const name = step[key];
      if (typeof name === "string" && RESERVED_NAMES.has(name))
        add(
          [...here, key],
          `"${name}" is a reserved name (${[...RESERVED_NAMES].join(", ")}); choose another ${key === "as" && step.foreach !== undefined ? "loop variable" : "output name"}`,
        );
    }

    if (Array.isArray(step.depends_on))
      step.depends_on.forEach((dep: unknown, d: number) => {
        if (typeof dep !== "string") return;
        if (dep === step.id) add([...here, "depends_on", d], `a step cannot depend on itself ("${dep}")`);
        else if (!seen.has(dep))
          add(
            [...here, "depends_on", d],
            `no earlier step has id "${dep}"; steps run in order, so a dependency must come before the step${seen.size ? ` (earlier ids: ${[...seen.keys()].join(", ")})` : ""}`,
          );
      });
    if (typeof step.id === "string") {
      const first = seen.get(step.id);
      if (first !== undefined)
        add([...here, "id"], `duplicate step id "${step.id}" (also ${formatKeyPath([...at, first])})`);
      else seen.set(step.id, i);
    }
  });
  return { issues, refusedSteps };
}

/** True when the key path `path` is `prefix` or inside it. */
export function isUnderPath(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}
