/**
 * CloudFormation intrinsic functions, evaluated against what runs locally: Ref, Fn::GetAtt,
 * Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If and the condition functions, Fn::FindInMap,
 * Fn::Base64, Fn::GetAZs, Fn::Length, Fn::ToJsonString, and `AWS::NoValue` (the key or element is
 * dropped). Anything else is refused with the path of the value that used it.
 */
import { TemplateError } from "./errors.ts";

export interface IntrinsicScope {
  /** A resource's Ref, a parameter's value, or a pseudo parameter. */
  ref(name: string, where: string): unknown;
  getAtt(logicalId: string, attribute: string, where: string): unknown;
  condition(name: string, where: string): boolean;
  findInMap(map: string, top: string, second: string, where: string): unknown;
  readonly region: string;
}

export const NO_VALUE: unique symbol = Symbol("AWS::NoValue");

const SUB_VARIABLE = /\$\{(!?)([^}]*)\}/g;

function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || keys[0]!.startsWith("Fn::") || keys[0] === "Condition");
}

function text(value: unknown, where: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new TemplateError(`${where}: expected a string, got ${JSON.stringify(value)}`);
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new TemplateError(`${where}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

/** Resolves every intrinsic in `value` (deeply); keys and elements that resolve to AWS::NoValue are dropped. */
export function resolveIntrinsics(value: unknown, scope: IntrinsicScope, where: string): unknown {
  if (Array.isArray(value))
    return value.map((v, i) => resolveIntrinsics(v, scope, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
  if (isIntrinsic(value)) return evaluate(value, scope, where);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = resolveIntrinsics(v, scope, `${where}.${k}`);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }
  return value;
}

function evaluate(node: Record<string, unknown>, scope: IntrinsicScope, where: string): unknown {
  const [fn, arg] = Object.entries(node)[0]!;
  const at = `${where}.${fn}`;
  const r = (v: unknown, suffix = "") => resolveIntrinsics(v, scope, `${at}${suffix}`);
  switch (fn) {
    case "Ref": {
      const name = text(arg, at);
      return name === "AWS::NoValue" ? NO_VALUE : scope.ref(name, at);
    }
    case "Fn::GetAtt": {
      const parts = typeof arg === "string" ? splitOnce(arg, ".") : list(r(arg), at).map((p) => text(p, at));
      if (parts.length !== 2) throw new TemplateError(`${at}: expected [logicalId, attribute]`);
      return scope.getAtt(parts[0]!, parts[1]!, at);
    }
    case "Fn::Join": {
      const [sep, items] = list(arg, at);
      return list(r(items, "[1]"), at)
        .map((v, i) => text(v, `${at}[1][${i}]`))
        .join(text(r(sep, "[0]"), at));
    }
    case "Fn::Sub":
      return substitute(arg, scope, at);
    case "Fn::Select": {
      const [index, items] = list(arg, at);
      const i = Number(text(r(index, "[0]"), at));
      const values = list(r(items, "[1]"), at);
      if (!Number.isInteger(i) || i < 0 || i >= values.length)
        throw new TemplateError(`${at}: index ${i} is outside the list of ${values.length}`);
      return values[i];
    }
    case "Fn::Split": {
      const [sep, source] = list(arg, at);
      return text(r(source, "[1]"), at).split(text(r(sep, "[0]"), at));
    }
    case "Fn::If": {
      const [cond, yes, no] = list(arg, at);
      return scope.condition(text(cond, at), at) ? r(yes, "[1]") : r(no, "[2]");
    }
    case "Fn::Equals": {
      const [a, b] = list(r(arg), at);
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case "Fn::And":
      return list(arg, at).every((c, i) => conditionValue(c, scope, `${at}[${i}]`));
    case "Fn::Or":
      return list(arg, at).some((c, i) => conditionValue(c, scope, `${at}[${i}]`));
    case "Fn::Not":
      return !conditionValue(list(arg, at)[0], scope, `${at}[0]`);
    case "Condition":
      return scope.condition(text(arg, at), at);
    case "Fn::FindInMap": {
      const [m, top, second] = list(r(arg), at).map((v) => text(v, at));
      return scope.findInMap(m!, top!, second!, at);
    }
    case "Fn::Base64":
      return Buffer.from(text(r(arg), at), "utf8").toString("base64");
    case "Fn::GetAZs":
      return ["a", "b", "c"].map((z) => `${scope.region}${z}`);
    case "Fn::Length":
      return list(r(arg), at).length;
    case "Fn::ToJsonString":
      return JSON.stringify(r(arg));
    default:
      throw new TemplateError(
        `${at}: evd cloud local does not evaluate ${fn}${fn === "Fn::ImportValue" ? " (exports of other stacks do not exist locally)" : ""}`,
      );
  }
}

function conditionValue(value: unknown, scope: IntrinsicScope, where: string): boolean {
  const v = resolveIntrinsics(value, scope, where);
  if (typeof v !== "boolean")
    throw new TemplateError(`${where}: a condition must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function substitute(arg: unknown, scope: IntrinsicScope, where: string): string {
  const [template, vars] = typeof arg === "string" ? [arg, {}] : (list(arg, where) as [unknown, unknown]);
  const values = resolveIntrinsics(vars ?? {}, scope, `${where}[1]`) as Record<string, unknown>;
  return text(template, where).replace(SUB_VARIABLE, (_m, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (Object.hasOwn(values, name)) return text(values[name], `${where} \${${name}}`);
    const dot = name.indexOf(".");
    if (dot > 0 && !name.startsWith("AWS::"))
      return text(scope.getAtt(name.slice(0, dot), name.slice(dot + 1), where), `${where} \${${name}}`);
    return text(scope.ref(name, where), `${where} \${${name}}`);
  });
}

function splitOnce(s: string, sep: string): string[] {
  const i = s.indexOf(sep);
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + 1)];
}

/** The logical ids a value refers to (Ref, Fn::GetAtt, Fn::Sub variables): what must exist before it. */
export function referencedNames(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedNames(v, out);
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "Ref" && typeof v === "string") out.add(v);
      else if (k === "Fn::GetAtt") {
        const id = typeof v === "string" ? v.split(".")[0] : Array.isArray(v) ? v[0] : undefined;
        if (typeof id === "string") out.add(id);
      } else if (k === "Fn::Sub") {
        const template = typeof v === "string" ? v : Array.isArray(v) ? v[0] : undefined;
        if (typeof template === "string")
          for (const m of template.matchAll(SUB_VARIABLE)) if (!m[1]) out.add(m[2]!.split(".")[0]!);
        if (Array.isArray(v)) referencedNames(v[1], out);
      } else referencedNames(v, out);
    }
  }
  return out;
}
