/** Reads `evd-bundle.json` (written by infra at synth) once per container and validates its config. */
import { readFile } from "node:fs/promises";
import { parseConfig } from "../shared/config/parse.ts";
import type { OrchestratorConfig } from "../shared/config/schema.ts";
import { CloudEnvError } from "./cloud-env.ts";

export interface LoadedBundle {
  readonly config: OrchestratorConfig;
  readonly recipes: Readonly<Record<string, string>>;
}

/** Validates a bundle object (config re-parsed: secret references stay references). */
export function parseDeployBundle(raw: unknown, where: string): LoadedBundle {
  if (typeof raw !== "object" || raw === null || !("config" in raw)) throw new CloudEnvError(`${where}: not a deploy bundle (expected {"config": ..., "recipes": {...}})`);
  const { config, recipes } = raw as { config: unknown; recipes?: unknown };
  const recipeMap: Record<string, string> = {};
  if (recipes !== undefined) {
    if (typeof recipes !== "object" || recipes === null) throw new CloudEnvError(`${where}: "recipes" must be an object of reference -> YAML text`);
    for (const [k, v] of Object.entries(recipes)) {
      if (typeof v !== "string") throw new CloudEnvError(`${where}: recipes.${k} must be YAML text`);
      recipeMap[k] = v;
    }
  }
  return { config: parseConfig(config, { where, env: {} }), recipes: recipeMap };
}

export async function readDeployBundle(path: string): Promise<LoadedBundle> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new CloudEnvError(`cannot read the deploy bundle ${path} (EVD_BUNDLE_PATH): ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CloudEnvError(`${path}: invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseDeployBundle(raw, path);
}
