import { CRON_FIELDS, CRON_FIELD_ORDER } from "./cron-fields.ts";
import type { CronFieldName, CronFieldSpec } from "./cron-fields.ts";
import { CronError } from "./errors.ts";

/**
 * Strict 5-field Unix cron (Vixie cron / cronie syntax): numbers, three-letter names for month
 * and day-of-week (any case), `*`, ranges `a-b`, steps `* /n` and `a-b/n`, lists. Day-of-week 0
 * and 7 are Sunday. Everything else is refused here, before any library sees it: Quartz and
 * EventBridge extensions (`?`, `L`, `W`, `#`, `start/step`), seconds or year fields, `@daily`.
 */

/** One list element: `*`, `*` + `/n`, `a`, `a-b` or `a-b/n`, with its values resolved. */
export interface CronItem {
  readonly text: string;
  /** `*` or `*` + `/n`. */
  readonly star: boolean;
  readonly start: number;
  readonly end: number;
  readonly step: number;
  /** Written with month or day names (JAN, MON). */
  readonly usesNames: boolean;
}

export interface CronFieldValue {
  readonly name: CronFieldName;
  readonly text: string;
  readonly items: readonly CronItem[];
  /** Sorted distinct values; day-of-week 7 is folded into 0. */
  readonly values: readonly number[];
  /** Starts with `*`: Vixie cron then ANDs day-of-month with day-of-week instead of ORing them. */
  readonly startsWithStar: boolean;
  /** Every value of the field is included (however it was written). */
  readonly isFull: boolean;
}

export interface ParsedCron {
  readonly expression: string;
  readonly minute: CronFieldValue;
  readonly hour: CronFieldValue;
  readonly dayOfMonth: CronFieldValue;
  readonly month: CronFieldValue;
  readonly dayOfWeek: CronFieldValue;
}

const FIELD_LIST = "minute hour day-of-month month day-of-week";

export function parseCron(expression: string): ParsedCron {
  if (typeof expression !== "string")
    throw new CronError(`a cron expression must be a string, got ${typeof expression}`);
  const text = expression.trim();
  const fail = (why: string): never => {
    throw new CronError(`invalid cron ${JSON.stringify(expression)}: ${why}`);
  };
  if (text === "") fail(`it is empty; Unix cron has 5 fields (${FIELD_LIST})`);
  if (text.startsWith("@"))
    fail(`nicknames such as @daily are not accepted; write the 5 fields (${FIELD_LIST}), e.g. "0 0 * * *"`);
  if (/^(cron|rate)\(/i.test(text))
    fail('this is an EventBridge schedule expression; write a 5-field Unix cron expression such as "0 9 * * MON"');
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    const extension =
      parts.length === 6 || parts.length === 7
        ? "; a seconds or year field is a Quartz/EventBridge extension, not Unix cron"
        : "";
    fail(`it has ${parts.length} fields; Unix cron has exactly 5 (${FIELD_LIST})${extension}`);
  }
  const fields = CRON_FIELD_ORDER.map((name, i) => parseField(name, parts[i] ?? "", fail));
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [
    CronFieldValue,
    CronFieldValue,
    CronFieldValue,
    CronFieldValue,
    CronFieldValue,
  ];
  return { expression: text, minute, hour, dayOfMonth, month, dayOfWeek };
}

function parseField(name: CronFieldName, text: string, fail: (why: string) => never): CronFieldValue {
  const spec: CronFieldSpec = CRON_FIELDS[name];
  const where = `${spec.label} ${JSON.stringify(text)}`;
  const bad = (why: string): never => fail(`${where}: ${why}`);
  if (text.includes("?")) bad("Quartz/EventBridge extension `?` (no specific value) is not Unix cron; use `*`");
  if (text.includes("#")) bad("Quartz/EventBridge extension `#` (nth weekday of the month) is not Unix cron");

  const items = text.split(",").map((itemText) => parseItem(spec, itemText, bad));
  const values = new Set<number>();
  for (const item of items) {
    for (let v = item.start; v <= item.end; v += item.step) values.add(name === "dayOfWeek" && v === 7 ? 0 : v);
  }
  return {
    name,
    text,
    items,
    values: [...values].sort((a, b) => a - b),
    startsWithStar: text.startsWith("*"),
    isFull: values.size === spec.distinct,
  };
}

function parseItem(spec: CronFieldSpec, text: string, bad: (why: string) => never): CronItem {
  if (text === "") bad("empty list element (look for a stray or doubled comma)");
  const slash = text.split("/");
  if (slash.length > 2) bad(`"${text}" has more than one "/"`);
  const [rangeText = "", stepText] = slash;
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText)) bad(`step "${stepText}" in "${text}" is not a whole number`);
    step = Number(stepText);
    const span = spec.max - spec.min + 1;
    if (step < 1 || step > span) bad(`step ${stepText} in "${text}" must be between 1 and ${span}`);
  }
  if (rangeText === "*") return { text, star: true, start: spec.min, end: spec.max, step, usesNames: false };

  const bounds = rangeText.split("-");
  if (bounds.length > 2 || bounds.some((b) => b === "")) bad(`"${rangeText}" is not a value or a range a-b`);
  if (bounds.length === 1 && stepText !== undefined) {
    bad(
      `start/step "${text}" is a Quartz/EventBridge extension, not Unix cron; write "${rangeText}-${spec.max}/${stepText}"`,
    );
  }
  const [start, end] = bounds.map((atom) => parseAtom(spec, atom, bad)) as [number, number?];
  // `FRI-SUN`: Sunday ending a day-of-week range is 7, as in `5-7`.
  const last = end === 0 && start > 0 && spec.max === 7 && /^sun$/i.test(bounds[1] ?? "") ? 7 : (end ?? start);
  if (start > last)
    bad(
      `range "${rangeText}" goes backwards; Unix cron ranges do not wrap around (use a list, e.g. "${start}-${spec.max},${spec.min}-${last}")`,
    );
  return { text, star: false, start, end: last, step, usesNames: bounds.some((b) => /^[a-z]/i.test(b)) };
}

function parseAtom(spec: CronFieldSpec, atom: string, bad: (why: string) => never): number {
  const upper = atom.toUpperCase();
  if (/^\d+$/.test(atom)) {
    const value = Number(atom);
    if (value < spec.min || value > spec.max) bad(`${atom} is out of range ${spec.min}-${spec.max}`);
    return value;
  }
  const named = spec.names?.[upper];
  if (named !== undefined) return named;
  if (/^(\d*L|L\d*|LW)$/.test(upper)) bad("Quartz/EventBridge extension `L` (last) is not Unix cron");
  if (/^\d*W$/.test(upper)) bad("Quartz/EventBridge extension `W` (nearest weekday) is not Unix cron");
  const names = spec.names ? ` or a name ${Object.keys(spec.names)[0]}-${Object.keys(spec.names).at(-1)}` : "";
  return bad(`"${atom}" is not a number ${spec.min}-${spec.max}${names}`);
}
