/** `hooks` entries are module files relative to the config folder: name the ones that do not exist. */
import { isAbsolute, resolve } from "node:path";
import type { ConfigFiles } from "../ports/config-files.ts";
import type { ConfigIssue } from "./errors.ts";
import { formatKeyPath } from "./key-path.ts";
import type { LoadedConfig } from "./load.ts";

export async function missingHookModules(
  loaded: Pick<LoadedConfig, "config" | "configDir">,
  files: ConfigFiles,
): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const [i, spec] of loaded.config.hooks.entries()) {
    const module = typeof spec === "string" ? spec : spec.module;
    const full = isAbsolute(module) ? module : resolve(loaded.configDir, module);
    if ((await files.kind(full)) !== "file") {
      issues.push({
        path: formatKeyPath(typeof spec === "string" ? ["hooks", i] : ["hooks", i, "module"]),
        message: `hook module "${module}" not found: looked at ${full}`,
      });
    }
  }
  return issues;
}
