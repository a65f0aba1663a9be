/**
 * The deploy bundle (`evd-bundle.json`): the config as loaded (secret references kept, never
 * secret values) plus the text of every recipe it references, so a Lambda can run pipelines with no
 * filesystem. Recipe references are collected from handlers (`recipe:`), their steps, and, through
 * the recipe files themselves, their own `recipe` steps (relative to the recipe that names them);
 * each recipe is keyed by its canonical id, its path relative to the config folder.
 */
import type { RecipeSource } from "../ports/recipe-source.ts";
import { ConfigError, type ConfigIssue } from "./errors.ts";
import { formatKeyPath, isPlainObject, type PathSegment } from "./key-path.ts";
import type { LoadedConfig } from "./load.ts";
import type { OrchestratorConfig } from "./schema.ts";
import { isKeptSecretRef } from "./secret-ref.ts";
import { parseYamlText } from "./yaml-text.ts";

export interface DeployBundle {
  /**
   * The loaded config, ready to go through parseConfig again (the Lambda does, with an empty env):
   * secret references are kept, and any other literal `${` is written `$${` so it is not
   * mistaken for a variable the second time.
   */
  readonly config: OrchestratorConfig;
  /** Recipe canonical id (path relative to the config folder) -> YAML text. */
  readonly recipes: Record<string, string>;
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
export function recipeFileRefs(data: unknown): { ref: string; at: PathSegment[] }[] {
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
export async function buildDeployBundle(loaded: LoadedConfig, source: RecipeSource): Promise<DeployBundle> {
  const recipes: Record<string, string> = {};
  const issues: ConfigIssue[] = [];
  const queue: { ref: string; from?: string; at: string }[] = configRecipeRefs(loaded.config).map((r) => ({
    ref: r.ref,
    at: r.path,
  }));
  const failed = new Set<string>();
  while (queue.length > 0) {
    const { ref, from, at } = queue.shift()!;
    const key = `${from ?? ""}\u0000${ref}`;
    if (failed.has(key)) continue;
    let id: string;
    let text: string;
    try {
      ({ id, text } = await source.load(ref, from));
    } catch (error) {
      failed.add(key);
      issues.push({ path: at, message: error instanceof Error ? error.message : String(error) });
      continue;
    }
    if (id in recipes) continue;
    const parsed = parseYamlText(text);
    if (parsed.issues.length) {
      failed.add(key);
      for (const i of parsed.issues)
        issues.push({ path: at, message: `recipe ${id}${i.line ? ` (line ${i.line})` : ""}: ${i.message}` });
      continue;
    }
    recipes[id] = text;
    for (const child of recipeFileRefs(parsed.data))
      queue.push({ ref: child.ref, from: id, at: `recipe ${id} ${formatKeyPath(child.at)}` });
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
