/**
 * A tiny, single-pass renderer for concurrency key templates (`{payload.number}`, `{repo}`):
 * `{dotted.path}` is looked up in the context; text from the event is never expanded again.
 */
import { RouterError } from "./errors.ts";

export function renderKeyTemplate(template: string, context: Record<string, unknown>): string {
  return template.replace(/\{([^{}]*)\}/gu, (_m, rawPath: string) => {
    const path = rawPath.trim();
    if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*$/u.test(path)) throw new RouterError(`invalid template path "{${rawPath}}"`);
    let value: unknown = context;
    for (const part of path.split(".")) {
      if (value === null || typeof value !== "object" || !(part in value)) {
        throw new RouterError(`template path "{${path}}" is missing in the event`);
      }
      value = (value as Record<string, unknown>)[part];
    }
    if (value === undefined || value === null) throw new RouterError(`template path "{${path}}" is empty in the event`);
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  });
}
