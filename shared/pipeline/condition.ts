/**
 * Step `condition:`: a small, safe expression language (a parser, never eval).
 *
 *   expr    := or
 *   or      := and (("or" | "||") and)*
 *   and     := not (("and" | "&&") not)*
 *   not     := ("not" | "!") not | compare
 *   compare := operand (("==" | "!=" | "<" | "<=" | ">" | ">=") operand)?
 *   operand := "(" expr ")" | {path} | {{path}} | path | 'text' | "text" | number | true | false | null
 *
 * A `{path}` or bare path that is missing is `undefined` (falsy), not an error. A missing
 * `{{path}}` (Amplifier's form) is an error naming it, as in Amplifier: a condition on a variable
 * that does not exist is a mistake, not "false". Falsy: undefined, null, false, 0, "", empty
 * arrays and objects, and the strings "false", "no", "0" (any case, trimmed): an LLM answering
 * "false" means false. `==` compares scalars by their text (`{payload.number} == 42`,
 * `{config.post_comment} == true`), other values by JSON; `<`, `<=`, `>`, `>=` compare numbers.
 */
import { TemplateError } from "./errors.ts";
import { explainMissing, isPath, lookupPath, type Scope } from "./template.ts";

type Comparison = "==" | "!=" | "<" | "<=" | ">" | ">=";
type Token =
  | { kind: "op"; value: Comparison | "(" | ")" | "and" | "or" | "not" }
  | { kind: "lit"; value: unknown }
  | { kind: "path"; value: string; strict: boolean };

const COMPARISONS: readonly string[] = ["==", "!=", "<", "<=", ">", ">="];

function tokenize(text: string, where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new TemplateError(`${where}: bad condition "${text}": ${what} at position ${i}`);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === "==" || two === "!=" || two === "<=" || two === ">=") {
      tokens.push({ kind: "op", value: two });
      i += 2;
      continue;
    }
    if (c === "<" || c === ">") {
      tokens.push({ kind: "op", value: c });
      i++;
      continue;
    }
    if (two === "&&") {
      tokens.push({ kind: "op", value: "and" });
      i += 2;
      continue;
    }
    if (two === "||") {
      tokens.push({ kind: "op", value: "or" });
      i += 2;
      continue;
    }
    if (c === "!") {
      tokens.push({ kind: "op", value: "not" });
      i++;
      continue;
    }
    if (c === "(" || c === ")") {
      tokens.push({ kind: "op", value: c });
      i++;
      continue;
    }
    if (c === "{") {
      const double = text[i + 1] === "{";
      const open = double ? 2 : 1;
      const end = text.indexOf(double ? "}}" : "}", i + open);
      if (end < 0) fail("unclosed {");
      const inner = text.slice(i + open, end).trim();
      if (!isPath(inner)) fail(`"${inner}" is not a path`);
      tokens.push({ kind: "path", value: inner, strict: double });
      i = end + open;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail("unclosed string");
      tokens.push({ kind: "lit", value: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?/.exec(text.slice(i));
    if (num) {
      tokens.push({ kind: "lit", value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][\w.-]*/.exec(text.slice(i));
    if (word) {
      const w = word[0];
      if (w === "and" || w === "or" || w === "not") tokens.push({ kind: "op", value: w });
      else if (w === "true" || w === "false") tokens.push({ kind: "lit", value: w === "true" });
      else if (w === "null") tokens.push({ kind: "lit", value: null });
      else if (isPath(w)) tokens.push({ kind: "path", value: w, strict: false });
      else fail(`"${w}" is not a path`);
      i += w.length;
      continue;
    }
    fail(`unexpected "${c}"`);
  }
  return tokens;
}

export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0) return false;
  if (typeof value === "string") return !["", "false", "no", "0"].includes(value.trim().toLowerCase());
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

function comparable(value: unknown): string {
  if (value === undefined) return "\u0000undefined";
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return String(value);
  return JSON.stringify(value);
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Parses and evaluates a condition against the scope. Throws TemplateError on bad syntax. */
export function evaluateCondition(text: string, scope: Scope, where: string): boolean {
  const tokens = tokenize(text, where);
  let pos = 0;
  const fail = (what: string): never => {
    throw new TemplateError(`${where}: bad condition "${text}": ${what}`);
  };
  const peekOp = (value: string): boolean => {
    const t = tokens[pos];
    return t !== undefined && t.kind === "op" && t.value === value;
  };

  const operand = (): unknown => {
    const t = tokens[pos];
    if (!t) return fail("expression ends early");
    pos++;
    if (t.kind === "lit") return t.value;
    if (t.kind === "path") {
      const hit = lookupPath(scope, t.value);
      if (!hit.found && t.strict)
        throw new TemplateError(`${where}: ${explainMissing({ path: t.value, double: true }, scope)}`);
      return hit.found ? hit.value : undefined;
    }
    if (t.value === "(") {
      const v = orExpr();
      if (!peekOp(")")) fail("missing )");
      pos++;
      return v;
    }
    return fail(`unexpected "${t.value}"`);
  };
  const compare = (): unknown => {
    const left = operand();
    const next = tokens[pos];
    if (next?.kind === "op" && COMPARISONS.includes(next.value)) {
      pos++;
      const op = next.value as Comparison;
      const right = operand();
      if (op === "==" || op === "!=") {
        const same = comparable(left) === comparable(right);
        return op === "==" ? same : !same;
      }
      const a = numberOf(left);
      const b = numberOf(right);
      if (a === undefined || b === undefined)
        fail(
          `"${op}" compares numbers; found ${JSON.stringify(left) ?? "nothing"} and ${JSON.stringify(right) ?? "nothing"}`,
        );
      return op === "<" ? a! < b! : op === "<=" ? a! <= b! : op === ">" ? a! > b! : a! >= b!;
    }
    return left;
  };
  const notExpr = (): unknown => {
    if (peekOp("not")) {
      pos++;
      return !isTruthy(notExpr());
    }
    return compare();
  };
  const andExpr = (): unknown => {
    let v = notExpr();
    while (peekOp("and")) {
      pos++;
      const r = notExpr();
      v = isTruthy(v) && isTruthy(r);
    }
    return v;
  };
  const orExpr = (): unknown => {
    let v = andExpr();
    while (peekOp("or")) {
      pos++;
      const r = andExpr();
      v = isTruthy(v) || isTruthy(r);
    }
    return v;
  };

  if (tokens.length === 0) fail("empty");
  const value = orExpr();
  if (pos < tokens.length) fail(`unexpected "${String(tokens[pos]!.value)}"`);
  return isTruthy(value);
}
