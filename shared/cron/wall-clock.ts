import { CronError } from "./errors.ts";

/**
 * Wall-clock arithmetic in an IANA time zone, through Intl (the ICU time zone data built into Node).
 * A "wall time" is a local date and time written as epoch milliseconds of the same UTC fields,
 * e.g. 2026-03-08 02:30 in New York is Date.UTC(2026, 2, 8, 2, 30).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (!found) {
    try {
      found = new Intl.DateTimeFormat("en-US", {
        timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
        hour: "numeric", minute: "numeric", second: "numeric",
      });
    } catch (cause) {
      throw new CronError(`unknown time zone ${JSON.stringify(timeZone)} (expected an IANA name such as "Europe/Berlin", "America/New_York" or "UTC")`, { cause });
    }
    formatters.set(timeZone, found);
  }
  return found;
}

/** Throws CronError unless `timeZone` is a time zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  if (typeof timeZone !== "string" || timeZone.trim() === "") throw new CronError("a time zone is required (an IANA name such as \"UTC\")");
  formatter(timeZone);
}

/** The wall time in `timeZone` at `instantMs`. */
export function wallClockOf(instantMs: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  const ms = ((instantMs % 1000) + 1000) % 1000;
  return Date.UTC(fields.year ?? 0, (fields.month ?? 1) - 1, fields.day ?? 1, fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0, ms);
}

/** Offset of `timeZone` from UTC at `instantMs`, in milliseconds (New York in winter: -5 h). */
export function offsetAt(instantMs: number, timeZone: string): number {
  return wallClockOf(instantMs, timeZone) - instantMs;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** How a wall time maps to real instants: once, twice (the repeated hour after a fall-back), or not at all (the skipped hour). */
export type WallTimeInstants =
  | { readonly kind: "single"; readonly instants: readonly [number] }
  | { readonly kind: "repeated"; readonly instants: readonly [number, number] }
  | { readonly kind: "skipped"; readonly resumesAt: number /* the instant the clock jumped over it */ };

export function instantsOfWallTime(wallMs: number, timeZone: string): WallTimeInstants {
  const before = offsetAt(wallMs - DAY, timeZone);
  const after = offsetAt(wallMs + DAY, timeZone);
  const candidates = new Set([wallMs - before, wallMs - offsetAt(wallMs, timeZone), wallMs - after]);
  const hits = [...candidates].filter((t) => wallClockOf(t, timeZone) === wallMs).sort((a, b) => a - b);
  if (hits.length >= 2) return { kind: "repeated", instants: [hits[0] as number, hits[hits.length - 1] as number] };
  if (hits.length === 1) return { kind: "single", instants: [hits[0] as number] };
  // Skipped: the offset grew from `before` to `after` somewhere in (wall - after, wall - before].
  let lo = wallMs - after;
  let hi = wallMs - before;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return { kind: "skipped", resumesAt: hi };
}

/**
 * Near a clock change, a closed-form map from wall times to instants: one binary search for the
 * transition, then arithmetic instead of Intl calls. Returns null when the offset does not change
 * within `marginMs` of `instantMs`; the map answers undefined for wall times outside its window.
 */
export interface ClockChangeWindow {
  readonly offsetBefore: number;
  readonly offsetAfter: number;
  map(wallMs: number): WallTimeInstants | undefined;
}

export function clockChangeNear(instantMs: number, timeZone: string, marginMs: number): ClockChangeWindow | null {
  const from = instantMs - marginMs;
  const to = instantMs + marginMs;
  const offsetBefore = offsetAt(from, timeZone);
  const offsetAfter = offsetAt(to, timeZone);
  if (offsetBefore === offsetAfter) return null;
  let lo = from;
  let hi = to;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === offsetBefore) lo = mid;
    else hi = mid;
  }
  const transition = hi;
  return {
    offsetBefore,
    offsetAfter,
    map(wallMs) {
      const early = wallMs - offsetBefore;
      const late = wallMs - offsetAfter;
      if (Math.min(early, late) < from || Math.max(early, late) > to) return undefined;
      const hits = [early < transition ? early : null, late >= transition ? late : null].filter((t) => t !== null).sort((a, b) => a - b);
      if (hits.length === 2) return { kind: "repeated", instants: [hits[0] as number, hits[1] as number] };
      if (hits.length === 1) return { kind: "single", instants: [hits[0] as number] };
      return { kind: "skipped", resumesAt: transition };
    },
  };
}

/** The largest offset in force within `marginMs` of `instantMs`. */
export function maxOffsetNear(instantMs: number, timeZone: string, marginMs: number): number {
  return Math.max(offsetAt(instantMs - marginMs, timeZone), offsetAt(instantMs + marginMs, timeZone));
}
