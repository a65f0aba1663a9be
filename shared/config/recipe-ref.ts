/**
 * What a recipe reference names, as pure path arithmetic shared by every RecipeSource: a ref in
 * the config is relative to the config folder; a ref inside a recipe is relative to that recipe's
 * folder (Amplifier's rule). The result is a canonical id, the file's path relative to the config
 * folder with `/` separators; a ref that is absolute or leaves the config folder is refused.
 */
import { posix } from "node:path";

export const RECIPE_EXTENSIONS = [".yaml", ".yml"] as const;

export type RecipeCandidates =
  { readonly ok: true; readonly ids: readonly string[] } | { readonly ok: false; readonly problem: string };

function isAbsoluteRef(ref: string): boolean {
  return ref.startsWith("/") || ref.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(ref);
}

/** The canonical ids `ref` may name, in the order to try (as written, then with .yaml, .yml). */
export function recipeCandidates(ref: string, from?: string): RecipeCandidates {
  const where = from === undefined ? "the config folder" : `the folder of ${from}`;
  if (isAbsoluteRef(ref))
    return { ok: false, problem: `recipe "${ref}" must be a path relative to ${where}, not absolute` };
  const base = from === undefined ? "" : posix.dirname(from);
  const joined = posix.normalize(posix.join(base, ref.replaceAll("\\", "/")));
  if (joined === ".." || joined.startsWith("../") || joined === "." || joined === "")
    return {
      ok: false,
      problem: `recipe "${ref}" (relative to ${where}) leaves the config folder; recipes must live inside it`,
    };
  const id = joined.replace(/^\.\//, "");
  const ext = posix.extname(id);
  return {
    ok: true,
    ids: (RECIPE_EXTENSIONS as readonly string[]).includes(ext) ? [id] : [id, ...RECIPE_EXTENSIONS.map((e) => id + e)],
  };
}
