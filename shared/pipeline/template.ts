/**
 * Single-pass templates in two syntaxes, usable together in one text:
 *
 * - `{dotted.path}` (this project's): strings as is, numbers and booleans as text, arrays of
 *   scalars joined with ", ", anything else as pretty JSON (2 spaces).
 * - `{{dotted.path}}` (Amplifier's; spaces inside allowed): strings as is, numbers and booleans as
 *   text, lists and maps as one-line JSON the way Amplifier writes them (`["a", "b"]`,
 *   `{"key": "value"}`).
 *
 * The template text is scanned once; values inserted from the scope are never scanned again, so
 * payload text such as `{env.HOME}`, `{{x}}` or `${HOME}` stays literal. There is no access to
 * environment variables: the scope is all there is. A `{{` that does not open a variable, and a
 * lone `}}`, are literal braces; a `{...}` whose inside is not a path stays literal text. A
 * missing path is a TemplateError naming the path as written and where, unless a default is given.
 */
import { TemplateError } from "./errors.ts";

const PATH = "[A-Za-z_][\\w-]*(?:\\.[\\w-]+)*";
const PATH_RE = new RegExp(`^${PATH}$`);
const SINGLE_RE = new RegExp(`^\\{(${PATH})\\}$`);
const DOUBLE_RE = new RegExp(`^\\{\\{\\s*(${PATH})\\s*\\}\\}$`);

export type Scope = Readonly<Record<string, unknown>>;

export interface RenderOptions {
  /** Where the template sits, for errors: `steps[1].prompt`. */
  readonly where: string;
  /** The step's `default:`: used for missing paths when present. */
  readonly fallback?: { readonly value: unknown };
}

export type Lookup = { readonly found: true; readonly value: unknown } | { readonly found: false };

/** A variable reference as written: `{path}` or `{{path}}`. */
export interface VariableRef {
  readonly path: string;
  readonly double: boolean;
}

export function isPath(text: string): boolean {
  return PATH_RE.test(text);
}

/** The variable a text is made of, when it is exactly one `{path}` or `{{path}}`. */
export function singleVariable(text: string): VariableRef | undefined {
  const trimmed = text.trim();
  const double = DOUBLE_RE.exec(trimmed);
  if (double) return { path: double[1]!, double: true };
  const single = SINGLE_RE.exec(trimmed);
  return single ? { path: single[1]!, double: false } : undefined;
}

/** `{{path}}` or `{path}`, as the user wrote it. */
export function written(ref: VariableRef): string {
  return ref.double ? `{{${ref.path}}}` : `{${ref.path}}`;
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

/** Text form of a value inserted by `{path}`. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null) return "null";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value) && value.every((v) => v === null || ["string", "number", "boolean"].includes(typeof v))) {
    return value.map((v) => formatValue(v)).join(", ");
  }
  return JSON.stringify(value, null, 2) ?? "";
}

/** JSON with `, ` and `: ` separators and non-ASCII escaped, as Amplifier's engine (Python's json.dumps) writes it. */
export function amplifierJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string")
    return JSON.stringify(value).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => amplifierJson(v)).join(", ")}]`;
  if (typeof value === "object")
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${amplifierJson(k)}: ${amplifierJson(v)}`)
      .join(", ")}}`;
  return JSON.stringify(String(value));
}

/** Text form of a value inserted by `{{path}}`. */
export function formatAmplifierValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null) return "null";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return amplifierJson(value);
}

/** Why a path is missing, naming it as written. */
export function explainMissing(ref: VariableRef, scope: Scope): string {
  const root = ref.path.split(".")[0]!;
  const name = written(ref);
  if (["event", "payload", "repo", "files", "branch", "changed_files"].includes(root))
    return `${name} is not in the event`;
  if (root === "config") return `${name} is not in the handler config`;
  if (root === "context") return `${name} is not in the recipe context`;
  if (root === "steps")
    return `${name} is not available (that step has not run, was skipped, failed, or does not exist)`;
  const known = Object.keys(scope)
    .filter((k) => scope[k] !== undefined)
    .sort();
  return `${name} is not defined; known names: ${known.join(", ")}`;
}

function resolve(ref: VariableRef, scope: Scope, options: RenderOptions): unknown {
  const hit = lookupPath(scope, ref.path);
  if (hit.found) return hit.value;
  if (options.fallback) return options.fallback.value;
  throw new TemplateError(`${options.where}: ${explainMissing(ref, scope)}`);
}

/** Renders a template string to text, in one pass. */
export function renderTemplate(template: string, scope: Scope, options: RenderOptions): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === "{") {
      if (template[i + 1] === "{") {
        const close = template.indexOf("}}", i + 2);
        const inner = close > i ? template.slice(i + 2, close).trim() : "";
        if (PATH_RE.test(inner)) {
          out += formatAmplifierValue(resolve({ path: inner, double: true }, scope, options));
          i = close + 2;
          continue;
        }
        out += "{";
        i += 2;
        continue;
      }
      const close = template.indexOf("}", i + 1);
      if (close > i) {
        const inner = template.slice(i + 1, close);
        if (PATH_RE.test(inner)) {
          out += formatValue(resolve({ path: inner, double: false }, scope, options));
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

/** Every variable a template reads, in order (for validation). */
export function templateVariables(template: string): VariableRef[] {
  const refs: VariableRef[] = [];
  const re = new RegExp(`\\{\\{\\s*(${PATH})\\s*\\}\\}|\\{(${PATH})\\}`, "g");
  for (const m of template.matchAll(re))
    refs.push(m[1] ? { path: m[1], double: true } : { path: m[2]!, double: false });
  return refs;
}

/**
 * Renders a tool argument: a string that is exactly one `{path}` or `{{path}}` keeps the value's
 * type (so `path: "{changed_files}"` passes the list); other strings render as text; arrays and
 * objects render element by element (keys are not templates).
 */
export function renderValue(value: unknown, scope: Scope, options: RenderOptions): unknown {
  if (typeof value === "string") {
    const single = singleVariable(value);
    if (single && value.trim() === value) return resolve(single, scope, options);
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
