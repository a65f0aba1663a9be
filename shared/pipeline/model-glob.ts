/**
 * Model globs (Amplifier's `model: claude-sonnet-*`): resolved against the model list configured
 * for the provider (`providers.<name>.models`), as Amplifier does against a provider's catalog:
 * fnmatch-style matching (`*`, `?`, `[abc]`), the last match in sort order wins (the newest
 * dated version). With no list, the echo provider keeps the glob (it only reports the model);
 * any other provider cannot be sent a glob, so that is an error, found by `evd validate`.
 */
import type { ProviderConfig } from "../config/schema.ts";

export function isModelGlob(model: string): boolean {
  return /[*?[]/.test(model);
}

function globRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        const body = glob.slice(i + 1, end);
        re += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export type ModelResolution =
  { readonly ok: true; readonly model: string } | { readonly ok: false; readonly problem: string };

/**
 * The model a step's `model` means on provider `providerName` (configured as `provider`, or the
 * built-in echo when undefined).
 */
export function resolveModel(
  model: string,
  providerName: string,
  provider: Pick<ProviderConfig, "kind" | "models"> | undefined,
): ModelResolution {
  if (!isModelGlob(model)) return { ok: true, model };
  const catalog = provider?.models;
  if (!catalog) {
    if (provider === undefined || provider.kind === "echo") return { ok: true, model };
    return {
      ok: false,
      problem: `model "${model}" is a glob: list the models of provider "${providerName}" under providers.${providerName}.models so it can resolve`,
    };
  }
  const re = globRegExp(model);
  const matches = catalog.filter((m) => re.test(m)).sort();
  if (matches.length === 0)
    return {
      ok: false,
      problem: `model "${model}" matches none of providers.${providerName}.models (${catalog.join(", ")})`,
    };
  return { ok: true, model: matches[matches.length - 1]! };
}
