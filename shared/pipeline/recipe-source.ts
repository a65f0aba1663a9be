/** The RecipeSource of the Lambda: recipes baked into the deploy bundle, keyed by canonical id. */
import { recipeCandidates } from "../config/recipe-ref.ts";
import type { RecipeSource } from "../ports/recipe-source.ts";
import { RecipeError } from "./errors.ts";

/** Recipes from a map of canonical id -> YAML text; ids written with `./` or without extension match too. */
export function mapRecipeSource(recipes: Readonly<Record<string, string>>): RecipeSource {
  const byId = new Map<string, { id: string; text: string }>();
  for (const [key, text] of Object.entries(recipes)) {
    const id = key.replace(/^\.\//, "");
    byId.set(id, { id, text });
    const bare = id.replace(/\.ya?ml$/, "");
    if (!byId.has(bare)) byId.set(bare, { id, text });
  }
  return {
    async load(ref, from) {
      const candidates = recipeCandidates(ref, from);
      if (!candidates.ok) throw new RecipeError(candidates.problem);
      for (const id of candidates.ids) {
        const hit = byId.get(id) ?? byId.get(id.replace(/\.ya?ml$/, ""));
        if (hit) return hit;
      }
      throw new RecipeError(
        `recipe "${ref}"${from === undefined ? "" : ` (from ${from})`} is not in the bundle; bundled recipes: ${Object.keys(recipes).join(", ") || "(none)"}`,
      );
    },
  };
}
