/**
 * Amplifier profile inheritance: `profile.extends: NAME` in a profile's front matter names another
 * profile in the same `.amplifier/profiles/` folder, whose front matter is the base the child is
 * merged over (maps merge key by key, the child wins; lists and values are replaced). Chains are
 * followed; a cycle or a missing parent is an error naming the chain.
 */
import { basename, dirname, join } from "node:path";
import type { ConfigFiles } from "../ports/config-files.ts";
import type { ConfigIssue } from "./errors.ts";
import { splitFrontMatter } from "./front-matter.ts";
import { isPlainObject } from "./key-path.ts";
import { parseYamlText } from "./yaml-text.ts";

export type ExtendsResult = { readonly data: unknown } | { readonly issue: ConfigIssue };

/** The profile a front matter extends, if any. */
function parentName(frontMatter: unknown): unknown {
  const profile = isPlainObject(frontMatter) ? frontMatter.profile : undefined;
  return isPlainObject(profile) ? profile.extends : undefined;
}

/** `child` merged over `base`: maps key by key (recursively), anything else replaced. */
export function mergeOver(base: unknown, child: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(child)) return child;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(child)) out[k] = k in base ? mergeOver(base[k], v) : v;
  return out;
}

/**
 * Resolves the `extends` chain of the profile at `file` (front matter already parsed into
 * `frontMatter`): the merged front matter, or the issue that stops it.
 */
export async function resolveProfileExtends(
  file: string,
  frontMatter: unknown,
  files: ConfigFiles,
): Promise<ExtendsResult> {
  const chain = [basename(file, ".md")];
  const layers: unknown[] = [frontMatter];
  let current = frontMatter;
  for (;;) {
    const parent = parentName(current);
    if (parent === undefined) break;
    if (typeof parent !== "string" || !/^[A-Za-z0-9][\w.-]*$/.test(parent)) {
      return {
        issue: {
          path: "profile.extends",
          message: `expected the name of a profile in ${dirname(file)}; found ${JSON.stringify(parent)}${typeof parent === "string" && parent.includes(":") ? " (collection profiles such as foundation:dev are not available here: copy the profile into .amplifier/profiles/)" : ""}`,
        },
      };
    }
    if (chain.includes(parent))
      return {
        issue: { path: "profile.extends", message: `profile extends cycle: ${[...chain, parent].join(" -> ")}` },
      };
    const parentFile = join(dirname(file), `${parent}.md`);
    if ((await files.kind(parentFile)) !== "file")
      return {
        issue: {
          path: "profile.extends",
          message: `profile "${chain[chain.length - 1]}" extends "${parent}", which does not exist: looked for ${parentFile}`,
        },
      };
    const fm = splitFrontMatter(await files.readText(parentFile));
    const parsed = fm ? parseYamlText(fm.yaml, fm.lineOffset) : undefined;
    if (!parsed || parsed.issues.length > 0)
      return {
        issue: {
          path: "profile.extends",
          message: `profile "${parent}" (${parentFile}) ${parsed ? `has a front matter problem: ${parsed.issues[0]!.message}` : "has no YAML front matter"}`,
        },
      };
    chain.push(parent);
    layers.unshift(parsed.data);
    current = parsed.data;
  }
  return { data: layers.reduce((base, layer) => mergeOver(base, layer)) };
}
