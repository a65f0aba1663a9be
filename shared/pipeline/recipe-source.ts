/** Where recipes come from: files under the config folder locally, a map in the Lambda bundle. */
import { readFile, realpath } from "node:fs/promises";
import { extname, isAbsolute, relative, resolve, sep } from "node:path";
import { RecipeError } from "./errors.ts";
import type { RecipeSource } from "./pipeline-runner.ts";

function candidates(ref: string): string[] {
  const ext = extname(ref);
  return ext === ".yaml" || ext === ".yml" ? [ref] : [ref, `${ref}.yaml`, `${ref}.yml`];
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Recipes as files relative to the config folder. `ref` may omit `.yaml`/`.yml`; absolute refs,
 * `..` and symlinks that leave the config folder are refused.
 */
export function fileRecipeSource(configDir: string): RecipeSource {
  const root = resolve(configDir);
  return {
    async load(ref) {
      if (isAbsolute(ref))
        throw new RecipeError(`recipe "${ref}": must be a path relative to the config folder, not absolute`);
      const realRoot = await realpath(root).catch(() => root);
      const tried: string[] = [];
      for (const candidate of candidates(ref)) {
        const full = resolve(root, candidate);
        if (!inside(root, full)) throw new RecipeError(`recipe "${ref}": leaves the config folder ${root}`);
        tried.push(full);
        let real: string;
        try {
          real = await realpath(full);
        } catch {
          continue;
        }
        if (!inside(realRoot, real))
          throw new RecipeError(`recipe "${ref}": resolves (through a symlink) outside the config folder ${root}`);
        return readFile(real, "utf8");
      }
      throw new RecipeError(`recipe "${ref}" not found; tried ${tried.join(", ")}`);
    },
  };
}

/** Recipes from a map of ref -> YAML text (the deploy bundle); the same `.yaml`/`.yml` leniency. */
export function mapRecipeSource(recipes: Readonly<Record<string, string>>): RecipeSource {
  const normalize = (ref: string): string => ref.replace(/^\.\//, "").replace(/\.ya?ml$/, "");
  const byKey = new Map<string, string>();
  for (const [key, text] of Object.entries(recipes)) {
    byKey.set(key, text);
    if (!byKey.has(normalize(key))) byKey.set(normalize(key), text);
  }
  return {
    async load(ref) {
      const text = byKey.get(ref) ?? byKey.get(normalize(ref));
      if (text === undefined) {
        throw new RecipeError(
          `recipe "${ref}" is not in the bundle; bundled recipes: ${Object.keys(recipes).join(", ") || "(none)"}`,
        );
      }
      return text;
    },
  };
}
