/**
 * A recipe file, parsed and checked: Amplifier's recipe format (flat `steps` or staged `stages`)
 * plus this project's tool steps. Every problem is reported with the file, the key path and the
 * line (`recipe recipes/x.yaml: steps[1].type (line 12): bash steps run shell commands ...`).
 */
import type { ConfigIssue } from "../config/errors.ts";
import { formatZodIssues } from "../config/format-issues.ts";
import { formatKeyPath, isPlainObject, type PathSegment } from "../config/key-path.ts";
import { parseKeyPath } from "../config/key-path-parse.ts";
import { checkStepList, isUnderPath } from "../config/step-checks.ts";
import { refusedStageKeys } from "../config/step-refusals.ts";
import type { RecursionLimitsConfig, StepConfig } from "../config/step-schema.ts";
import { parseYamlText } from "../config/yaml-text.ts";
import { RecipeError } from "./errors.ts";
import { RecipeFile, type ApprovalConfig } from "./recipe-schema.ts";

export interface RecipeStage {
  /** Undefined for the one stage of a flat recipe. */
  readonly name?: string;
  readonly steps: readonly StepConfig[];
  readonly approval?: ApprovalConfig;
  /** Key path of the stage's steps in the file (`steps` or `stages[1].steps`), for errors. */
  readonly at: string;
}

export interface Recipe {
  /** Canonical id: the file path relative to the config folder. */
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  readonly version?: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly recursion?: Partial<RecursionLimitsConfig>;
  readonly staged: boolean;
  readonly stages: readonly RecipeStage[];
  /** `dependencies[].required_agents`, with the bundle each comes from. */
  readonly requiredAgents: readonly { readonly agent: string; readonly source: string }[];
}

/** Every step of the recipe with its key path, in run order. */
export function recipeSteps(recipe: Recipe): { step: StepConfig; at: string }[] {
  return recipe.stages.flatMap((stage) => stage.steps.map((step, i) => ({ step, at: `${stage.at}[${i}]` })));
}

function problemsOf(raw: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!isPlainObject(raw)) {
    return [{ path: "", message: "a recipe is a map with `steps` (or `stages`)" }];
  }
  const hasSteps = raw.steps !== undefined;
  const hasStages = raw.stages !== undefined;
  if (hasSteps && hasStages)
    issues.push({ path: "stages", message: "a recipe has `steps` (flat) or `stages` (staged), not both" });
  if (!hasSteps && !hasStages) issues.push({ path: "steps", message: "a recipe needs `steps` (or `stages`)" });

  const lists: { steps: unknown; at: PathSegment[] }[] = [{ steps: raw.steps, at: ["steps"] }];
  const refusedKeys: string[] = [];
  if (Array.isArray(raw.stages))
    raw.stages.forEach((stage: unknown, i: number) => {
      for (const r of refusedStageKeys(stage)) {
        const path = formatKeyPath(["stages", i, r.key]);
        issues.push({ path, message: r.reason });
        refusedKeys.push(path);
      }
      if (isPlainObject(stage)) lists.push({ steps: stage.steps, at: ["stages", i, "steps"] });
    });
  const refused: string[] = [];
  const ids = new Map<string, string>();
  for (const { steps, at } of lists) {
    const check = checkStepList(steps, at);
    issues.push(...check.issues.filter((i) => !/duplicate step id/.test(i.message)));
    refused.push(...check.refusedSteps);
    if (Array.isArray(steps))
      steps.forEach((s: unknown, i: number) => {
        if (!isPlainObject(s) || typeof s.id !== "string") return;
        const here = formatKeyPath([...at, i]);
        const first = ids.get(s.id);
        if (first !== undefined)
          issues.push({
            path: `${here}.id`,
            message: `duplicate step id "${s.id}" (also ${first}); ids are unique across the recipe`,
          });
        else ids.set(s.id, here);
      });
  }
  const top = RecipeFile.safeParse(raw);
  if (!top.success) {
    const schemaIssues = formatZodIssues(top.error.issues, RecipeFile, raw);
    issues.push(
      ...schemaIssues.filter((i) => !refused.some((p) => isUnderPath(i.path, p)) && !refusedKeys.includes(i.path)),
    );
  }
  return issues;
}

function lineText(issue: ConfigIssue): string {
  const at = [issue.path, issue.line === undefined ? "" : `(line ${issue.line})`].filter(Boolean).join(" ");
  return at ? `${at}: ${issue.message}` : issue.message;
}

/** A recipe that cannot be used: `issues` lists every problem with its key path and line. */
export class RecipeFileError extends RecipeError {
  readonly recipe: string;
  readonly issues: readonly ConfigIssue[];
  constructor(recipe: string, issues: readonly ConfigIssue[]) {
    super(`recipe ${recipe}: ${issues.map(lineText).join("; ")}`);
    this.recipe = recipe;
    this.issues = issues;
  }
}

/** Parses and checks recipe YAML; throws RecipeFileError listing every problem. */
export function parseRecipe(id: string, text: string): Recipe {
  const parsed = parseYamlText(text);
  if (parsed.issues.length) throw new RecipeFileError(id, parsed.issues);
  const issues = problemsOf(parsed.data).map((i) => {
    if (i.line !== undefined || i.path === "") return i;
    const line = parsed.lineOf(parseKeyPath(i.path));
    return line === undefined ? i : { ...i, line };
  });
  if (issues.length > 0) throw new RecipeFileError(id, issues);
  const data = RecipeFile.parse(parsed.data);
  const stages: RecipeStage[] = data.stages
    ? data.stages.map((s, i) => ({
        name: s.name,
        steps: s.steps,
        ...(s.approval ? { approval: s.approval } : {}),
        at: formatKeyPath(["stages", i, "steps"]),
      }))
    : [{ steps: data.steps ?? [], at: "steps" }];
  return {
    id,
    ...(data.name !== undefined ? { name: data.name } : {}),
    ...(data.description !== undefined ? { description: data.description } : {}),
    ...(data.version !== undefined ? { version: String(data.version) } : {}),
    context: data.context,
    ...(data.recursion ? { recursion: data.recursion } : {}),
    staged: data.stages !== undefined,
    stages,
    requiredAgents: (data.dependencies ?? []).flatMap((d) =>
      d.required_agents.map((agent) => ({ agent, source: d.source })),
    ),
  };
}
