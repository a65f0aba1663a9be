/** `hooks` entries are module files relative to the config folder: name the ones that do not exist. */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { ConfigIssue } from "./errors.ts";
import { formatKeyPath } from "./key-path.ts";
import type { LoadedConfig } from "./load.ts";

export function missingHookModules(loaded: Pick<LoadedConfig, "config" | "configDir">): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  loaded.config.hooks.forEach((spec, i) => {
    const module = typeof spec === "string" ? spec : spec.module;
    const full = isAbsolute(module) ? module : resolve(loaded.configDir, module);
    if (!existsSync(full) || !statSync(full).isFile()) {
      issues.push({
        path: formatKeyPath(typeof spec === "string" ? ["hooks", i] : ["hooks", i, "module"]),
        message: `hook module "${module}" not found: looked at ${full}`,
      });
    }
  });
  return issues;
}
