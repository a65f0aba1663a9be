/**
 * Random mutations of a config (seeded, so a failure can be reproduced): structural ones on the
 * parsed document (a key deleted, renamed or added, a value replaced by another type or a hostile
 * string, an array entry duplicated, a value nested deeper) and textual ones on the YAML (a line
 * deleted, duplicated or cut, stray characters inserted).
 */
import { parse, stringify } from "yaml";

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_VALUES: readonly unknown[] = [
  null,
  0,
  -1,
  1e308,
  Number.NaN,
  "",
  " ",
  "${UNSET_FUZZ_VARIABLE}",
  "${",
  "$${literal}",
  "* * *",
  "99 99 * * *",
  "0 0 30 2 *",
  "@daily",
  "../../etc/passwd",
  "/absolute/path",
  "webhok",
  "x".repeat(5000),
  "\u0000",
  "🙂",
  true,
  [],
  {},
  [1, "two", null],
  { nested: { deeper: { deepest: [] } } },
  "{payload.__proto__}",
  "__proto__",
];

const KEYS = [
  "type",
  "handler",
  "path",
  "cron",
  "timezone",
  "secret",
  "steps",
  "prompt",
  "tool",
  "action",
  "__proto__",
  "constructor",
  "unknown_key",
  "recipe",
  "retry",
  "concurrency",
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

/** Every (container, key) pair in the document. */
function slots(doc: Json): { parent: Json[] | Record<string, Json>; key: string | number }[] {
  const out: { parent: Json[] | Record<string, Json>; key: string | number }[] = [];
  const stack: Json[] = [doc];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) node.forEach((v, i) => (out.push({ parent: node, key: i }), stack.push(v)));
    else if (node && typeof node === "object")
      for (const [k, v] of Object.entries(node)) {
        out.push({ parent: node, key: k });
        stack.push(v);
      }
  }
  return out;
}

function mutateStructure(doc: Json, rand: () => number): string {
  const all = slots(doc);
  if (all.length === 0) return "empty document";
  const { parent, key } = pick(rand, all);
  const value = (parent as Record<string | number, Json>)[key] as Json;
  const kind = Math.floor(rand() * 7);
  const set = (v: unknown) => ((parent as Record<string | number, unknown>)[key] = v);
  switch (kind) {
    case 0:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string, Json>)[key as string];
      return `deleted ${String(key)}`;
    case 1: {
      const v = pick(rand, HOSTILE_VALUES);
      set(structuredClone(v));
      return `${String(key)} = ${JSON.stringify(v)?.slice(0, 40)}`;
    }
    case 2:
      if (!Array.isArray(parent)) {
        const renamed = `${String(key)}${pick(rand, ["s", "_", "", "x"])}`.replace(/^(.)/, (c) =>
          rand() < 0.3 ? c.toUpperCase() : c,
        );
        delete (parent as Record<string, Json>)[key as string];
        (parent as Record<string, Json>)[renamed] = value;
        return `renamed ${String(key)} -> ${renamed}`;
      }
      parent.push(structuredClone(value));
      return `duplicated entry ${String(key)}`;
    case 3:
      if (!Array.isArray(parent)) {
        const k = pick(rand, KEYS);
        (parent as Record<string, Json>)[k] = structuredClone(pick(rand, HOSTILE_VALUES)) as Json;
        return `added ${k}`;
      }
      parent.splice(key as number, 0, structuredClone(pick(rand, HOSTILE_VALUES)) as Json);
      return `inserted an entry at ${String(key)}`;
    case 4:
      set([value]);
      return `wrapped ${String(key)} in a list`;
    case 5: {
      let nested: unknown = value;
      for (let i = 0; i < 50; i++) nested = { x: nested };
      set(nested);
      return `nested ${String(key)} 50 deep`;
    }
    default:
      set(typeof value === "string" ? Number(value.length) : String(value));
      return `changed the type of ${String(key)}`;
  }
}

function mutateText(text: string, rand: () => number): { text: string; what: string } {
  const lines = text.split("\n");
  const at = Math.floor(rand() * lines.length);
  switch (Math.floor(rand() * 5)) {
    case 0:
      lines.splice(at, 1);
      return { text: lines.join("\n"), what: `deleted line ${at + 1}` };
    case 1:
      lines.splice(at, 0, lines[at] ?? "");
      return { text: lines.join("\n"), what: `duplicated line ${at + 1}` };
    case 2:
      return { text: text.slice(0, Math.floor(rand() * text.length)), what: "truncated" };
    case 3: {
      const junk = pick(rand, ["\t", ":", "- ", "{", "]", "&a", "*a", "!!binary", "'", '"', "%", "@", "`"]);
      const line = lines[at] ?? "";
      const col = Math.floor(rand() * (line.length + 1));
      lines[at] = line.slice(0, col) + junk + line.slice(col);
      return { text: lines.join("\n"), what: `inserted ${JSON.stringify(junk)} on line ${at + 1}` };
    }
    default:
      lines[at] = `  ${lines[at] ?? ""}`;
      return { text: lines.join("\n"), what: `indented line ${at + 1}` };
  }
}

/** One mutation of `yamlText`: 1 to 3 structural changes, or one textual change. */
export function mutateConfig(yamlText: string, rand: () => number): { text: string; what: string } {
  if (rand() < 0.3) return mutateText(yamlText, rand);
  const doc = parse(yamlText) as Json;
  const changes: string[] = [];
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) changes.push(mutateStructure(doc, rand));
  return { text: stringify(doc), what: changes.join("; ") };
}
