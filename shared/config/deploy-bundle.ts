/**
 * The deploy bundle (`evd-bundle.json`): the config as loaded (secret references kept, never
 * secret values) plus the text of every recipe it references, so a Lambda can run pipelines with no
 * filesystem. Recipe references are collected from handlers (`recipe:`), their steps, and, through
 * the recipe files themselves, their own `recipe` steps; each is keyed as written and read relative
 * to the config folder (`recipes/pr-reviewer` finds `recipes/pr-reviewer.yaml`).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { ConfigError, type ConfigIssue } from "./errors.ts";
import { formatKeyPath, isPlainObject, type PathSegment } from "./key-path.ts";
import { isKeptSecretRef } from "./secret-ref.ts";
import type { LoadedConfig } from "./load.ts";
import type { OrchestratorConfig } from "./schema.ts";
import { parseYamlText } from "./yaml-text.ts";

export interface DeployBundle {
  /**
   * The loaded config, ready to go through parseConfig again (the Lambda does, with an empty env):
   * secret references are kept, and any other literal `${` is written `$${` so it is not
   * mistaken for a variable the second time.
   */
  readonly config: OrchestratorConfig;
  /** Recipe reference as written -> YAML text. */
  readonly recipes: Record<string, string>;
}

export const RECIPE_EXTENSIONS = ["", ".yaml", ".yml"] as const;

/** Why a reference cannot name a recipe (absolute, or leaving the config folder), else undefined. */
export function recipeRefProblem(configDir: string, ref: string): string | undefined {
  if (isAbsolute(ref)) return `recipe "${ref}" must be a path relative to the config folder, not absolute`;
  const rel = relative(resolve(configDir), resolve(configDir, ref));
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    return `recipe "${ref}" leaves the config folder; recipes are paths relative to the config folder`;
  return undefined;
}

/** The recipe file a reference names, or undefined; tries the name as written, then .yaml, .yml. */
export function resolveRecipePath(configDir: string, ref: string): string | undefined {
  if (recipeRefProblem(configDir, ref)) return undefined;
  for (const ext of RECIPE_EXTENSIONS) {
    const p = resolve(configDir, ref + ext);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

/** Every `recipe:` reference of the config itself, with the key path that holds it. */
export function configRecipeRefs(config: OrchestratorConfig): { ref: string; path: string }[] {
  const out: { ref: string; path: string }[] = [];
  for (const [name, h] of Object.entries(config.handlers)) {
    if (h.recipe) out.push({ ref: h.recipe, path: formatKeyPath(["handlers", name, "recipe"]) });
    h.steps?.forEach((s, i) => {
      if ("recipe" in s && typeof s.recipe === "string")
        out.push({ ref: s.recipe, path: formatKeyPath(["handlers", name, "steps", i, "recipe"]) });
    });
  }
  return out;
}

/** `recipe` references inside a parsed recipe file (flat `steps`, or `stages[].steps`). */
function recipeFileRefs(data: unknown): { ref: string; at: PathSegment[] }[] {
  if (!isPlainObject(data)) return [];
  const lists: { steps: unknown; at: PathSegment[] }[] = [{ steps: data.steps, at: ["steps"] }];
  if (Array.isArray(data.stages))
    data.stages.forEach(
      (st: unknown, i: number) => isPlainObject(st) && lists.push({ steps: st.steps, at: ["stages", i, "steps"] }),
    );
  const out: { ref: string; at: PathSegment[] }[] = [];
  for (const { steps, at } of lists) {
    if (!Array.isArray(steps)) continue;
    steps.forEach((s: unknown, i: number) => {
      if (isPlainObject(s) && typeof s.recipe === "string") out.push({ ref: s.recipe, at: [...at, i, "recipe"] });
    });
  }
  return out;
}

/** Reads every referenced recipe; throws one ConfigError naming each missing or unreadable one. */
export function buildDeployBundle(loaded: LoadedConfig): DeployBundle {
  const recipes: Record<string, string> = {};
  const issues: ConfigIssue[] = [];
  const queue = configRecipeRefs(loaded.config).map((r) => ({ ref: r.ref, from: r.path }));
  const failed = new Set<string>();
  while (queue.length > 0) {
    const { ref, from } = queue.shift()!;
    if (ref in recipes || failed.has(ref)) continue;
    const problem = recipeRefProblem(loaded.configDir, ref);
    if (problem) {
      failed.add(ref);
      issues.push({ path: from, message: problem });
      continue;
    }
    const file = resolveRecipePath(loaded.configDir, ref);
    if (!file) {
      failed.add(ref);
      issues.push({
        path: from,
        message: `recipe "${ref}" not found: looked for ${RECIPE_EXTENSIONS.map((e) => resolve(loaded.configDir, ref + e)).join(", ")}`,
      });
      continue;
    }
    const text = readFileSync(file, "utf8");
    const parsed = parseYamlText(text);
    if (parsed.issues.length) {
      failed.add(ref);
      for (const i of parsed.issues)
        issues.push({
          path: from,
          message: `recipe "${ref}" (${file}${i.line ? `, line ${i.line}` : ""}): ${i.message}`,
        });
      continue;
    }
    recipes[ref] = text;
    for (const child of recipeFileRefs(parsed.data))
      queue.push({ ref: child.ref, from: `recipe "${ref}" ${formatKeyPath(child.at)}` });
  }
  if (issues.length) throw new ConfigError(loaded.configPath, issues);
  return { config: escapeForReparse(loaded.config) as OrchestratorConfig, recipes };
}

/** Writes every literal `${` as `$${`, except in kept secret references. */
export function escapeForReparse(value: unknown, key?: string | number): unknown {
  if (typeof value === "string") return isKeptSecretRef(key, value) ? value : value.replaceAll("${", () => "$${");
  if (Array.isArray(value)) return value.map((v, i) => escapeForReparse(v, i));
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeForReparse(v, k)]));
  return value;
}
