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
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch (cause) {
      throw new CronError(
        `unknown time zone ${JSON.stringify(timeZone)} (expected an IANA name such as "Europe/Berlin", "America/New_York" or "UTC")`,
        { cause },
      );
    }
    formatters.set(timeZone, found);
  }
  return found;
}

/** Throws CronError unless `timeZone` is a time zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  if (typeof timeZone !== "string" || timeZone.trim() === "")
    throw new CronError('a time zone is required (an IANA name such as "UTC")');
  formatter(timeZone);
}

/** Offset from UTC at `instantMs` as ICU reports it (whole seconds). */
function rawOffsetAt(instantMs: number, timeZone: string): number {
  const second = Math.floor(instantMs / 1000) * 1000;
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(second))) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    fields.year ?? 0,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
  );
  return wall - second;
}

/**
 * Spans of time already known to have one offset (two samples at most 6 h apart that agree:
 * no time zone changes its offset twice within 6 h). Intl calls cost tens of microseconds;
 * this keeps steady-state schedule computations to a few of them.
 */
interface Span {
  readonly from: number;
  readonly to: number;
  readonly offset: number;
}
const SPAN_LIMIT = 64;
const MAX_SPAN_MS = 6 * 3_600_000;
const knownSpans = new Map<string, Span[]>();

function learnSpan(timeZone: string, from: number, to: number, offset: number): void {
  if (to - from > MAX_SPAN_MS) return;
  let list = knownSpans.get(timeZone);
  if (!list) knownSpans.set(timeZone, (list = []));
  list.push({ from, to, offset });
  if (list.length > SPAN_LIMIT) list.shift();
}

/** Offset of `timeZone` from UTC at `instantMs`, in milliseconds (New York in winter: -5 h). */
export function offsetAt(instantMs: number, timeZone: string): number {
  const list = knownSpans.get(timeZone);
  if (list) {
    for (let i = list.length - 1; i >= 0; i--) {
      const span = list[i] as Span;
      if (instantMs >= span.from && instantMs <= span.to) return span.offset;
    }
  }
  return rawOffsetAt(instantMs, timeZone);
}

/** Offsets at `instantMs - marginMs` and `instantMs + marginMs`; equal ones are remembered as a constant span. */
function offsetsAround(instantMs: number, timeZone: string, marginMs: number): [number, number] {
  const before = offsetAt(instantMs - marginMs, timeZone);
  const after = offsetAt(instantMs + marginMs, timeZone);
  if (before === after) learnSpan(timeZone, instantMs - marginMs, instantMs + marginMs, before);
  return [before, after];
}

/** The wall time in `timeZone` at `instantMs`. */
export function wallClockOf(instantMs: number, timeZone: string): number {
  return instantMs + offsetAt(instantMs, timeZone);
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** How a wall time maps to real instants: once, twice (the repeated hour after a fall-back), or not at all (the skipped hour). */
export type WallTimeInstants =
  | { readonly kind: "single"; readonly instants: readonly [number] }
  | { readonly kind: "repeated"; readonly instants: readonly [number, number] }
  | { readonly kind: "skipped"; readonly resumesAt: number /* the instant the clock jumped over it */ };

export function instantsOfWallTime(wallMs: number, timeZone: string): WallTimeInstants {
  // Fast path: an instant whose +-3 h surroundings share one offset maps one-to-one.
  const guess = wallMs - offsetAt(wallMs, timeZone);
  const [a, b] = offsetsAround(guess, timeZone, 3 * HOUR);
  if (a === b && guess + a === wallMs) return { kind: "single", instants: [guess] };
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
  const [offsetBefore, offsetAfter] = offsetsAround(instantMs, timeZone, marginMs);
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
      const hits = [early < transition ? early : null, late >= transition ? late : null]
        .filter((t) => t !== null)
        .sort((a, b) => a - b);
      if (hits.length === 2) return { kind: "repeated", instants: [hits[0] as number, hits[1] as number] };
      if (hits.length === 1) return { kind: "single", instants: [hits[0] as number] };
      return { kind: "skipped", resumesAt: transition };
    },
  };
}

/** The largest offset in force within `marginMs` of `instantMs`. */
export function maxOffsetNear(instantMs: number, timeZone: string, marginMs: number): number {
  return Math.max(...offsetsAround(instantMs, timeZone, marginMs));
}
