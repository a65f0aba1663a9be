/**
 * Recipes: YAML files in the flat `steps` form of Amplifier's recipe schema (`name`,
 * `description`, `context` defaults, `steps` with `id`, `prompt`, `output`, `condition`,
 * `timeout`, `retry`, `on_error`), plus this project's `tool`/`action` steps and nested `recipe`.
 * Amplifier's `agent:` on a prompt step is accepted and ignored (the prompt goes to the provider).
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { PromptStep, RecipeStep, ToolStep, type StepConfig } from "../config/schema.ts";
import { RecipeError } from "./errors.ts";

const RecipePromptStep = PromptStep.extend({ agent: z.string().optional() });

const RecipeFile = z.looseObject({
  name: z.string().optional(),
  description: z.string().optional(),
  version: z.union([z.string(), z.number()]).optional(),
  context: z.record(z.string(), z.unknown()).default({}),
  steps: z.array(z.record(z.string(), z.unknown())).min(1),
});

export interface Recipe {
  readonly ref: string;
  readonly name?: string;
  readonly description?: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly steps: readonly StepConfig[];
}

function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out || "(top)";
}

function issuesOf(error: z.ZodError, prefix: readonly PropertyKey[]): string[] {
  return error.issues.map((i) => `${keyPath([...prefix, ...i.path])}: ${i.message}`);
}

/** Parses and validates recipe YAML; errors name the file (`ref`) and the key path of each problem. */
export function parseRecipe(ref: string, text: string): Recipe {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new RecipeError(`recipe ${ref}: not valid YAML: ${(error as Error).message}`, error);
  }
  const top = RecipeFile.safeParse(raw);
  if (!top.success) throw new RecipeError(`recipe ${ref}: ${issuesOf(top.error, []).join("; ")}`);
  const problems: string[] = [];
  const steps: StepConfig[] = [];
  top.data.steps.forEach((step, index) => {
    const schema =
      "tool" in step ? ToolStep : "recipe" in step ? RecipeStep : "prompt" in step ? RecipePromptStep : undefined;
    if (!schema) {
      problems.push(`steps[${index}]: a step needs one of \`prompt\`, \`tool\` (with \`action\`) or \`recipe\``);
      return;
    }
    const parsed = schema.safeParse(step);
    if (!parsed.success) problems.push(...issuesOf(parsed.error, ["steps", index]));
    else {
      const { agent: _agent, ...rest } = parsed.data as StepConfig & { agent?: string };
      steps.push(rest as StepConfig);
    }
  });
  if (problems.length > 0) throw new RecipeError(`recipe ${ref}: ${problems.join("; ")}`);
  return { ref, name: top.data.name, description: top.data.description, context: top.data.context, steps };
}
