/**
 * Single-pass `{dotted.path}` templates. The template text is scanned once; values inserted from
 * the scope are never scanned again, so payload text such as `{env.HOME}` or `${HOME}` stays
 * literal. There is no access to environment variables: the scope is all there is.
 *
 * - `{{` and `}}` are literal braces; a `{...}` whose inside is not a path stays literal text.
 * - Strings insert as is, numbers and booleans as text, arrays of scalars joined with ", ",
 *   anything else as pretty JSON (2 spaces).
 * - A missing path is a TemplateError naming the path and where, unless a default is given.
 */
import { TemplateError } from "./errors.ts";

const PATH = "[A-Za-z_][\\w-]*(?:\\.[\\w-]+)*";
const PATH_RE = new RegExp(`^${PATH}$`);
const SINGLE_RE = new RegExp(`^\\{(${PATH})\\}$`);

export type Scope = Readonly<Record<string, unknown>>;

export interface RenderOptions {
  /** Where the template sits, for errors: `steps[1].prompt`. */
  readonly where: string;
  /** The step's `default:`: used for missing paths when present. */
  readonly fallback?: { readonly value: unknown };
}

export type Lookup = { readonly found: true; readonly value: unknown } | { readonly found: false };

export function isPath(text: string): boolean {
  return PATH_RE.test(text);
}

/** Walks a dotted path through own properties and array indexes (never the prototype chain). */
export function lookupPath(scope: Scope, path: string): Lookup {
  let current: unknown = scope;
  for (const segment of path.split(".")) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return { found: false };
      const index = Number(segment);
      if (index >= current.length) return { found: false };
      current = current[index];
    } else if (typeof current === "object" && current !== null && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return { found: false };
    }
    if (current === undefined) return { found: false };
  }
  return { found: true, value: current };
}

/** Text form of a value inserted into a template. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null) return "null";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value) && value.every((v) => v === null || ["string", "number", "boolean"].includes(typeof v))) {
    return value.map((v) => formatValue(v)).join(", ");
  }
  return JSON.stringify(value, null, 2) ?? "";
}

function explainMissing(path: string, scope: Scope): string {
  const root = path.split(".")[0]!;
  if (["event", "payload", "repo", "files", "branch", "changed_files"].includes(root))
    return `{${path}} is not in the event`;
  if (root === "config") return `{${path}} is not in the handler config`;
  if (root === "context") return `{${path}} is not in the recipe context`;
  if (root === "steps")
    return `{${path}} is not available (that step has not run, was skipped, failed, or does not exist)`;
  const known = Object.keys(scope)
    .filter((k) => scope[k] !== undefined)
    .sort();
  return `{${path}} is not defined; known names: ${known.join(", ")}`;
}

function resolve(path: string, scope: Scope, options: RenderOptions): unknown {
  const hit = lookupPath(scope, path);
  if (hit.found) return hit.value;
  if (options.fallback) return options.fallback.value;
  throw new TemplateError(`${options.where}: ${explainMissing(path, scope)}`);
}

/** Renders a template string to text, in one pass. */
export function renderTemplate(template: string, scope: Scope, options: RenderOptions): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === "{") {
      if (template[i + 1] === "{") {
        out += "{";
        i += 2;
        continue;
      }
      const close = template.indexOf("}", i + 1);
      if (close > i) {
        const inner = template.slice(i + 1, close);
        if (PATH_RE.test(inner)) {
          out += formatValue(resolve(inner, scope, options));
          i = close + 1;
          continue;
        }
      }
      out += "{";
      i += 1;
    } else if (c === "}") {
      out += "}";
      i += template[i + 1] === "}" ? 2 : 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/**
 * Renders a tool argument: a string that is exactly one `{path}` keeps the value's type (so
 * `path: "{changed_files}"` passes the list); other strings render as text; arrays and objects
 * render element by element (keys are not templates).
 */
export function renderValue(value: unknown, scope: Scope, options: RenderOptions): unknown {
  if (typeof value === "string") {
    const single = SINGLE_RE.exec(value);
    if (single) return resolve(single[1]!, scope, options);
    return renderTemplate(value, scope, options);
  }
  if (Array.isArray(value))
    return value.map((v, i) => renderValue(v, scope, { ...options, where: `${options.where}[${i}]` }));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, renderValue(v, scope, { ...options, where: `${options.where}.${k}` })]),
    );
  }
  return value;
}
