import { CronDate, CronPattern } from "croner";
import type { CronOptions } from "croner";
import type { CronFieldValue, ParsedCron } from "./parse-cron.ts";
import { parseCron } from "./parse-cron.ts";
import { CronError } from "./errors.ts";

/**
 * A parsed expression handed to croner as explicit value lists (so croner never sees syntax we
 * did not validate), with Vixie cron's day rule: day-of-month and day-of-week are ORed when both
 * are restricted, and ANDed when either field starts with `*` (croner's `legacyMode` switches
 * between the two).
 */
export interface CompiledCron {
  readonly parsed: ParsedCron;
  /** cronie's "wildcard" jobs (minute or hour starts with `*`): scheduled normally across DST changes. */
  readonly wildcardTime: boolean;
  /** The first wall-clock minute strictly after `wallMs`, both as naive wall time in epoch-ms form (UTC fields). */
  nextWallClockMatch(wallMs: number): number | null;
}

function croneField(field: CronFieldValue): string {
  return field.text === "*" ? "*" : field.values.join(",");
}

const cache = new Map<string, CompiledCron>();
const CACHE_LIMIT = 500;

/** Longest month lengths (February 29 counts: it happens). */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Whether some day can ever match. When the day-of-month must match (Vixie ANDs the day fields
 * when either starts with `*`), one of its days has to exist in one of the chosen months; every
 * calendar date falls on every weekday within 28 years. With ORed day fields a weekday always matches.
 */
function canFire(parsed: ParsedCron): boolean {
  const domMustMatch = parsed.dayOfMonth.startsWithStar || parsed.dayOfWeek.startsWithStar;
  if (!domMustMatch) return true;
  const firstDay = parsed.dayOfMonth.values[0] ?? 1;
  return parsed.month.values.some((m) => firstDay <= (DAYS_IN_MONTH[m - 1] ?? 31));
}

/** Parses, refuses expressions that can never fire (`0 0 30 2 *`), and prepares croner. Throws CronError. */
export function compileCron(expr: string): CompiledCron {
  const hit = cache.get(expr);
  if (hit) return hit;
  const parsed = parseCron(expr);
  if (!canFire(parsed)) {
    throw new CronError(
      `invalid cron ${JSON.stringify(expr)}: it never fires (day-of-month ${JSON.stringify(parsed.dayOfMonth.text)} does not occur in month ${JSON.stringify(parsed.month.text)})`,
    );
  }
  const pattern = new CronPattern(
    [parsed.minute, parsed.hour, parsed.dayOfMonth, parsed.month, parsed.dayOfWeek].map(croneField).join(" "),
  );
  const options: CronOptions = {
    legacyMode: !(parsed.dayOfMonth.startsWithStar || parsed.dayOfWeek.startsWithStar),
    interval: 0,
  };
  const compiled: CompiledCron = {
    parsed,
    wildcardTime: parsed.minute.startsWithStar || parsed.hour.startsWithStar,
    nextWallClockMatch(wallMs) {
      // A numeric offset of 0 makes croner do plain UTC field arithmetic: no host time zone, no DST.
      const next = new CronDate(new Date(wallMs), 0).increment(pattern, options, false);
      return next === null ? null : next.getDate(false).getTime();
    },
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(expr, compiled);
  return compiled;
}
