import { CronDate, CronPattern } from "croner";
import type { CronOptions } from "croner";
import type { CronFieldValue, ParsedCron } from "./parse-cron.ts";
import { parseCron } from "./parse-cron.ts";

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

export function compileCron(expr: string): CompiledCron {
  const hit = cache.get(expr);
  if (hit) return hit;
  const parsed = parseCron(expr);
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
