/**
 * Turns zod issues into ConfigIssues a person can act on: the key path, what was expected and what
 * was found; unknown keys with a did-you-mean; union failures explained by the branch the input was
 * meant for (a source's `type`, a step's `prompt`/`tool`/`recipe`) instead of zod internals.
 */
import type { z } from "zod";
import { didYouMean } from "./did-you-mean.ts";
import type { ConfigIssue } from "./errors.ts";
import { describeValue, formatKeyPath, isPlainObject, valueAt, type PathSegment } from "./key-path.ts";

type Issue = z.core.$ZodIssue;

/** The parts of zod's internal definitions we walk (stable across zod 4 releases). */
interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  getter?: () => Schema;
  shape?: Record<string, Schema>;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
  discriminator?: string;
  values?: unknown[];
}
interface Schema {
  _zod: { def: Def; optin?: string };
}

const WRAPPERS = new Set(["optional", "default", "prefault", "nullable", "readonly", "catch", "nonoptional"]);

function unwrap(s: Schema): Schema {
  for (let i = 0; i < 20; i++) {
    const def = s._zod.def;
    if (WRAPPERS.has(def.type) && def.innerType) s = def.innerType;
    else if (def.type === "pipe" && def.in) s = def.in;
    else if (def.type === "lazy" && def.getter) s = def.getter();
    else break;
  }
  return s;
}

function literalValues(s: Schema | undefined): unknown[] {
  if (!s) return [];
  const def = unwrap(s)._zod.def;
  return def.type === "literal" || def.type === "enum"
    ? (def.values ?? Object.values((def as { entries?: object }).entries ?? {}))
    : [];
}

function requiredKeys(s: Schema): string[] {
  const shape = unwrap(s)._zod.def.shape ?? {};
  return Object.entries(shape)
    .filter(([, v]) => v._zod.optin !== "optional")
    .map(([k]) => k);
}

function shapeKeys(s: Schema): string[] {
  return Object.keys(unwrap(s)._zod.def.shape ?? {});
}

/** Index of the union option `value` was meant for, or -1 when nothing fits at all. */
function pickOption(union: Schema, value: unknown): number {
  const def = unwrap(union)._zod.def;
  const options = def.options ?? [];
  if (def.discriminator !== undefined && isPlainObject(value)) {
    const d = value[def.discriminator];
    return options.findIndex((o) => literalValues(unwrap(o)._zod.def.shape?.[def.discriminator!]).includes(d));
  }
  let best = -1;
  let bestScore = 0;
  options.forEach((o, i) => {
    const t = unwrap(o)._zod.def.type;
    let score = 0;
    if (t === "object" && isPlainObject(value)) score = requiredKeys(o).filter((k) => k in value).length;
    else if (t === typeof value) score = 100;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

/** The schema that validates the value at `path` (unions resolved by the input). */
function schemaAt(root: Schema, input: unknown, path: readonly PathSegment[]): Schema | undefined {
  let cur: Schema | undefined = root;
  for (let i = 0; i <= path.length && cur; i++) {
    cur = unwrap(cur);
    if (cur._zod.def.type === "union") {
      const idx = pickOption(cur, valueAt(input, path.slice(0, i)));
      cur = idx < 0 ? undefined : unwrap(cur._zod.def.options![idx]!);
    }
    if (!cur || i === path.length) break;
    const seg = path[i]!;
    const def: Def = cur._zod.def;
    if (def.type === "object") cur = def.shape?.[String(seg)];
    else if (def.type === "array") cur = def.element;
    else if (def.type === "record") cur = def.valueType;
    else cur = undefined;
  }
  return cur;
}

function expectedList(values: readonly unknown[]): string {
  return values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
}

function stripZodPrefix(message: string): string {
  return message.replace(/^Invalid input: /, "").replace(/^Invalid string: /, "");
}

export function formatZodIssues(issues: readonly Issue[], root: z.ZodType, input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const rootSchema = root as unknown as Schema;
  const add = (path: readonly PathSegment[], message: string) => out.push({ path: formatKeyPath(path), message });

  const visit = (list: readonly Issue[], base: readonly PathSegment[]) => {
    for (const issue of list) {
      const path = [...base, ...(issue.path as PathSegment[])];
      const value = valueAt(input, path);
      switch (issue.code) {
        case "invalid_union": {
          if (issue.discriminator !== undefined) {
            const objPath = path[path.length - 1] === issue.discriminator ? path.slice(0, -1) : path;
            const options = findUnion(rootSchema, input, objPath)?._zod.def.options ?? [];
            const valid = options
              .flatMap((o) => literalValues(unwrap(o)._zod.def.shape?.[issue.discriminator!]))
              .map(String);
            const found = valueAt(input, [...objPath, issue.discriminator]);
            const what = objPath[0] === "sources" ? "source type" : `\`${issue.discriminator}\``;
            if (!isPlainObject(valueAt(input, objPath)))
              add(
                objPath,
                `expected an object with a \`${issue.discriminator}\`; found ${describeValue(valueAt(input, objPath))}`,
              );
            else if (found === undefined)
              add(
                [...objPath, issue.discriminator],
                `missing \`${issue.discriminator}\`; valid ${what}s: ${valid.join(", ")}`,
              );
            else
              add(
                [...objPath, issue.discriminator],
                `unknown ${what} ${JSON.stringify(found)}; valid ${what}s: ${valid.join(", ")}${typeof found === "string" ? didYouMean(found, valid) : ""}`,
              );
            break;
          }
          const union = findUnion(rootSchema, input, path);
          const idx = union ? pickOption(union, value) : -1;
          if (union && idx >= 0 && issue.errors[idx]) {
            visit(issue.errors[idx], path);
          } else if (union && isPlainObject(value)) {
            const options = unwrap(union)._zod.def.options ?? [];
            const keys = options.flatMap((o) =>
              unwrap(o)._zod.def.type === "object" ? requiredKeys(o).slice(0, 1) : [],
            );
            const all = new Set(options.flatMap((o) => (unwrap(o)._zod.def.type === "object" ? shapeKeys(o) : [])));
            const found = Object.keys(value);
            const hints = found.filter((k) => !all.has(k)).map((k) => `"${k}"${didYouMean(k, all)}`);
            add(
              path,
              `expected an object with ${orList([...new Set(keys)].map((k) => `\`${k}\``))}; found ${found.length ? `keys ${hints.length ? hints.join(", ") : found.join(", ")}` : "an empty object"}`,
            );
          } else {
            add(path, `expected ${describeUnion(union)}; found ${describeValue(value)}`);
          }
          break;
        }
        case "unrecognized_keys": {
          const obj = schemaAt(rootSchema, input, path);
          const allowed = obj ? shapeKeys(obj) : [];
          for (const key of issue.keys) {
            const hint = didYouMean(key, allowed);
            add(
              [...path, key],
              `unknown key "${key}"${hint || (allowed.length ? `; allowed keys: ${allowed.join(", ")}` : "")}`,
            );
          }
          break;
        }
        case "invalid_type":
          if (value === undefined) add(path, `required key is missing (expected ${typeName(issue.expected)})`);
          else add(path, `expected ${typeName(issue.expected)}, found ${describeValue(value)}`);
          break;
        case "too_small":
        case "too_big":
          add(path, `expected ${bound(issue)}; found ${describeValue(value)}`);
          break;
        case "invalid_value":
          add(
            path,
            `expected ${expectedList(issue.values)}; found ${describeValue(value)}${typeof value === "string" ? didYouMean(value, issue.values.map(String)) : ""}`,
          );
          break;
        case "invalid_key": {
          const key = path[path.length - 1];
          add(
            path,
            `invalid name ${JSON.stringify(key)}: ${issue.issues.map((i) => stripZodPrefix(i.message)).join("; ")}`,
          );
          break;
        }
        case "custom":
          add(path, issue.message);
          break;
        default:
          add(path, `${stripZodPrefix(issue.message)}; found ${describeValue(value)}`);
      }
    }
  };
  visit(issues, []);
  return out;
}

/** The union schema that validates the value at `path` (the last union met on the way). */
function findUnion(root: Schema, input: unknown, path: readonly PathSegment[]): Schema | undefined {
  const parent = path.length === 0 ? undefined : schemaAt(root, input, path.slice(0, -1));
  let s: Schema | undefined;
  if (path.length === 0) s = root;
  else if (parent) {
    const def = unwrap(parent)._zod.def;
    const seg = path[path.length - 1]!;
    s =
      def.type === "object"
        ? def.shape?.[String(seg)]
        : def.type === "array"
          ? def.element
          : def.type === "record"
            ? def.valueType
            : undefined;
  }
  return s && unwrap(s)._zod.def.type === "union" ? unwrap(s) : undefined;
}

function describeUnion(union: Schema | undefined): string {
  if (!union) return "a valid value";
  const types = (unwrap(union)._zod.def.options ?? []).map((o) => typeName(unwrap(o)._zod.def.type));
  return orList([...new Set(types)]);
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: "an object",
  record: "an object",
  array: "a list",
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  literal: "a fixed value",
  enum: "one of the listed values",
};

function typeName(type: string): string {
  return TYPE_NAMES[type] ?? type;
}

/** "at least 1", "a non-empty string", "at most 10 items", ... */
function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === "too_small";
  const n = Number(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  if (issue.origin === "string" && small && n === 1 && inclusive) return "a non-empty string";
  const unit =
    issue.origin === "string" ? " characters" : issue.origin === "array" || issue.origin === "set" ? " items" : "";
  const word = issue.exact
    ? "exactly"
    : small
      ? inclusive
        ? "at least"
        : "more than"
      : inclusive
        ? "at most"
        : "less than";
  if (issue.origin === "array" && small && n === 1 && inclusive) return "a non-empty list";
  return `${word} ${n}${unit}`;
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}
