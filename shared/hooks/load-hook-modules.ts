/**
 * Loads the config's `hooks` modules (paths relative to the config folder; .js, .mjs or .ts).
 * A module exports its hooks as a map from lifecycle event (or "*" for all) to a function
 * `(data, ctx) => HookResult | void` (may be async), where ctx is `{ event, config }`:
 *   - `export default { "event:received": (data) => ... }`, and/or
 *   - `export const hooks = { ... }`, or
 *   - `export default (config) => ({ ... })`: a factory given the entry's `config`.
 * Unknown event names, or a module with none of these, are errors naming the module.
 */
import { isAbsolute, resolve } from "node:path";
import type { OrchestratorConfig } from "../config/schema.ts";
import { nodeImportModule } from "../node/node-module-importer.ts";
import type { ImportModule } from "../ports/module-importer.ts";
import { HookError } from "./errors.ts";
import { LifecycleEvent, type HookData, type HookFn, type HookResult } from "./lifecycle.ts";

export type { ImportModule };

export type HookCallback = (
  data: HookData,
  ctx: { readonly event: LifecycleEvent; readonly config: Readonly<Record<string, unknown>> },
) => HookResult | void | Promise<HookResult | void>;
export type HookMap = Partial<Record<LifecycleEvent | "*", HookCallback>>;

const EVENTS = new Set<string>([...Object.values(LifecycleEvent), "*"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Turns a hook map into HookFns, one per entry, named `<module>#<event>` for logs. */
export function hooksFromMap(map: unknown, module: string, config: Readonly<Record<string, unknown>>): HookFn[] {
  if (!isRecord(map))
    throw new HookError(`hook module ${module}: hooks must be an object mapping lifecycle events to functions`);
  const out: HookFn[] = [];
  for (const [key, fn] of Object.entries(map)) {
    if (!EVENTS.has(key))
      throw new HookError(
        `hook module ${module}: "${key}" is not a lifecycle event; expected one of ${[...EVENTS].join(", ")}`,
      );
    if (typeof fn !== "function") throw new HookError(`hook module ${module}: "${key}" must be a function`);
    const callback = fn as HookCallback;
    const hook: HookFn = (event, data) =>
      key === "*" || key === event ? callback(data, { event, config }) : undefined;
    Object.defineProperty(hook, "name", { value: `${module}#${key}` });
    out.push(hook);
  }
  return out;
}

export async function loadHookModules(
  specs: OrchestratorConfig["hooks"],
  configDir: string,
  importModule: ImportModule = nodeImportModule,
): Promise<HookFn[]> {
  const hooks: HookFn[] = [];
  for (const spec of specs) {
    const module = typeof spec === "string" ? spec : spec.module;
    const config = typeof spec === "string" ? {} : spec.config;
    const full = isAbsolute(module) ? module : resolve(configDir, module);
    let loaded: Record<string, unknown>;
    try {
      loaded = await importModule(full);
    } catch (error) {
      throw new HookError(`hook module ${module}: cannot load ${full}: ${(error as Error).message}`, error);
    }
    const found: unknown[] = [];
    let exported = loaded.default;
    if (typeof exported === "function") exported = await (exported as (c: unknown) => unknown)(config);
    if (exported !== undefined) found.push(exported);
    if (loaded.hooks !== undefined) found.push(loaded.hooks);
    if (found.length === 0)
      throw new HookError(
        `hook module ${module}: exports no hooks (expected \`export default { "event:received": ... }\` or \`export const hooks\`)`,
      );
    for (const map of found) hooks.push(...hooksFromMap(map, module, config));
  }
  return hooks;
}
