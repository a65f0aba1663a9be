/**
 * The Node adapter of the RecipeSource port: recipe files under the config folder. References
 * resolve as shared/config/recipe-ref.ts says; a symlink leading out of the config folder is
 * refused like a `..` path.
 */
import { readFile, realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { recipeCandidates } from "../config/recipe-ref.ts";
import { RecipeError } from "../pipeline/errors.ts";
import type { RecipeSource } from "../ports/recipe-source.ts";

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

export function fileRecipeSource(configDir: string): RecipeSource {
  const root = resolve(configDir);
  return {
    async load(ref, from) {
      const candidates = recipeCandidates(ref, from);
      if (!candidates.ok) throw new RecipeError(candidates.problem);
      const realRoot = await realpath(root).catch(() => root);
      const tried: string[] = [];
      for (const id of candidates.ids) {
        const full = resolve(root, id);
        tried.push(full);
        let real: string;
        try {
          real = await realpath(full);
        } catch {
          continue;
        }
        if (!inside(realRoot, real))
          throw new RecipeError(`recipe "${ref}": resolves (through a symlink) outside the config folder ${root}`);
        try {
          return { id, text: await readFile(real, "utf8") };
        } catch (error) {
          throw new RecipeError(`recipe "${ref}": cannot read ${full}: ${(error as Error).message}`, error);
        }
      }
      throw new RecipeError(
        `recipe "${ref}"${from === undefined ? "" : ` (from ${from})`} not found; tried ${tried.join(", ")}`,
      );
    },
  };
}
