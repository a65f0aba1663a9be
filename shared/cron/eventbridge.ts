import { DAY_NAMES, MONTH_NAMES } from "./cron-fields.ts";
import { CronError } from "./errors.ts";
import { compileCron } from "./compile-cron.ts";
import type { CronFieldValue, CronItem } from "./parse-cron.ts";

/**
 * Unix cron -> EventBridge Scheduler `cron(minutes hours day-of-month month day-of-week year)`.
 *
 * - Exactly one of day-of-month / day-of-week is `?` in EventBridge. Unix cron ORs the two when
 *   both are restricted (and ANDs them when either starts with `*`); EventBridge can restrict only
 *   one, so an expression restricting both is refused with a CronError saying how to split it.
 * - Day-of-week is always written with names, SUN-SAT (EventBridge numbers them 1-7 from Sunday,
 *   Unix 0-7 with 0 and 7 both Sunday), from the set of days: `1-5` -> `MON-FRI`, `* /2` ->
 *   `SUN,TUE,THU,SAT`, `5-7` -> `SUN,FRI,SAT`. Runs of three or more days become ranges.
 * - Minutes and hours keep `*`, `* /n`, values and ranges; day-of-month and month write `* /n` as
 *   the documented `1/n`; a stepped range `a-b/n` is written out as its list of values.
 * - The year is always `*`.
 */
export function toEventBridgeExpression(expr: string): string {
  const cron = compileCron(expr).parsed;
  const dom = cron.dayOfMonth;
  const dow = cron.dayOfWeek;
  let domOut = "*";
  let dowOut = "?";
  const bothAnded = dom.startsWithStar || dow.startsWithStar;
  if (bothAnded) {
    if (!dom.isFull && !dow.isFull) {
      throw new CronError(
        `EventBridge Scheduler cannot express ${JSON.stringify(cron.expression)}: Unix cron runs it only on days matching both ` +
          `day-of-month ${JSON.stringify(dom.text)} and day-of-week ${JSON.stringify(dow.text)} (a day field starting with "*" makes cron require both), ` +
          `while an EventBridge cron expression restricts only one of the two (the other must be "?")`,
      );
    }
    if (!dow.isFull) [domOut, dowOut] = ["?", dayOfWeekField(dow)];
    else if (!dom.isFull) domOut = field(dom, "1");
  } else if (!dom.isFull && !dow.isFull) {
    const [m, h, , mo] = cron.expression.split(/\s+/);
    throw new CronError(
      `EventBridge Scheduler cannot express ${JSON.stringify(cron.expression)}: Unix cron runs it when the day-of-month ${JSON.stringify(dom.text)} ` +
        `OR the day-of-week ${JSON.stringify(dow.text)} matches, while an EventBridge cron expression restricts only one of the two ` +
        `(the other must be "?"). Split it into two schedules: "${m} ${h} ${dom.text} ${mo} *" and "${m} ${h} * ${mo} ${dow.text}"`,
    );
  }
  // Otherwise one of the ORed fields covers every day, so every day matches: `*` and `?`.
  return `cron(${field(cron.minute, "0")} ${field(cron.hour, "0")} ${domOut} ${field(cron.month, "1")} ${dowOut} *)`;
}

/** Minutes, hours, day-of-month, month: `*` stays, `* /n` becomes `<first>/n` (`* /n` for minutes and hours). */
function field(value: CronFieldValue, first: "0" | "1"): string {
  if (value.text === "*") return "*";
  return value.items.map((item) => itemText(value, item, first)).join(",");
}

function itemText(value: CronFieldValue, item: CronItem, first: "0" | "1"): string {
  const show = (v: number) => (item.usesNames && value.name === "month" ? (MONTH_NAMES[v - 1] as string) : String(v));
  if (item.star) return item.step === 1 ? "*" : first === "0" ? `*/${item.step}` : `${first}/${item.step}`;
  if (item.step === 1) return item.start === item.end ? show(item.start) : `${show(item.start)}-${show(item.end)}`;
  const values: string[] = [];
  for (let v = item.start; v <= item.end; v += item.step) values.push(show(v));
  return values.join(",");
}

/** Day-of-week from its set of days, as EventBridge names in EventBridge order (SUN=1 ... SAT=7). */
function dayOfWeekField(value: CronFieldValue): string {
  const days = value.values; // 0 = Sunday ... 6 = Saturday, sorted, which is also EventBridge's 1..7 order
  const parts: string[] = [];
  for (let i = 0; i < days.length;) {
    let j = i;
    while (j + 1 < days.length && (days[j + 1] as number) === (days[j] as number) + 1) j++;
    const run = days.slice(i, j + 1).map((d) => DAY_NAMES[d] as string);
    parts.push(run.length >= 3 ? `${run[0]}-${run.at(-1)}` : run.join(","));
    i = j + 1;
  }
  return parts.join(",");
}
