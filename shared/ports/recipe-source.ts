/**
 * Where recipe files come from: files under the config folder locally (shared/node), a map baked
 * into the deploy bundle in Lambda (shared/pipeline/recipe-source.ts).
 */
export interface RecipeText {
  /** The recipe's canonical id: its file path relative to the config folder, `/`-separated (`recipes/pr-reviewer.yaml`). */
  readonly id: string;
  readonly text: string;
}

export interface RecipeSource {
  /**
   * Reads the recipe `ref` names: relative to the folder of the recipe `from` (a canonical id) when
   * given, else to the config folder. `.yaml`/`.yml` may be omitted. Throws a permanent
   * RecipeError when it cannot be found or leaves the config folder.
   */
  load(ref: string, from?: string): Promise<RecipeText>;
}
