/**
 * Reads `evd-bundle.json` (written by infra at synth) once per container. The config in it was
 * validated at synth by the zod schema (buildDeployBundle takes a loaded config) and is stored in
 * its parsed form, defaults applied; here only its shape is checked, which keeps zod (about 270 KB
 * minified) out of the Lambda bundles and off the cold start. Tests may pass `validate` to re-parse.
 */
import { readFile } from "node:fs/promises";
import type { OrchestratorConfig } from "../shared/config/schema.ts";
import { CloudEnvError } from "./cloud-env.ts";

export interface LoadedBundle {
  readonly config: OrchestratorConfig;
  readonly recipes: Readonly<Record<string, string>>;
}

/** Checks the shape a parsed config must have (what the functions read without a default). */
function checkConfigShape(config: unknown, where: string): OrchestratorConfig {
  const c = config as Partial<Record<keyof OrchestratorConfig, unknown>> | null;
  const bad: string[] = [];
  if (typeof c !== "object" || c === null || Array.isArray(c))
    throw new CloudEnvError(`${where}: "config" must be an object`);
  if (!Array.isArray(c.sources)) bad.push("sources (array)");
  if (typeof c.handlers !== "object" || c.handlers === null) bad.push("handlers (object)");
  if (typeof c.retry !== "object" || c.retry === null) bad.push("retry (object)");
  if (typeof c.providers !== "object" || c.providers === null) bad.push("providers (object)");
  if (!Array.isArray(c.hooks)) bad.push("hooks (array)");
  if (typeof c.max_body_bytes !== "number") bad.push("max_body_bytes (number)");
  if (bad.length)
    throw new CloudEnvError(
      `${where}: "config" is not a parsed orchestrator config (missing ${bad.join(", ")}); write the bundle with buildDeployBundle`,
    );
  return c as OrchestratorConfig;
}

/**
 * Checks a bundle object. `validate` (e.g. parseConfig) replaces the shape check, for callers that
 * hold a raw config rather than a parsed one.
 */
export function parseDeployBundle(
  raw: unknown,
  where: string,
  validate?: (config: unknown, where: string) => OrchestratorConfig,
): LoadedBundle {
  if (typeof raw !== "object" || raw === null || !("config" in raw))
    throw new CloudEnvError(`${where}: not a deploy bundle (expected {"config": ..., "recipes": {...}})`);
  const { config, recipes } = raw as { config: unknown; recipes?: unknown };
  const recipeMap: Record<string, string> = {};
  if (recipes !== undefined) {
    if (typeof recipes !== "object" || recipes === null)
      throw new CloudEnvError(`${where}: "recipes" must be an object of reference -> YAML text`);
    for (const [k, v] of Object.entries(recipes)) {
      if (typeof v !== "string") throw new CloudEnvError(`${where}: recipes.${k} must be YAML text`);
      recipeMap[k] = v;
    }
  }
  return { config: validate ? validate(config, where) : checkConfigShape(config, where), recipes: recipeMap };
}

export async function readDeployBundle(path: string): Promise<LoadedBundle> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new CloudEnvError(`cannot read the deploy bundle ${path} (EVD_BUNDLE_PATH): ${(err as Error).message}`, {
      cause: err,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CloudEnvError(`${path}: invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseDeployBundle(raw, path);
}
