import { compileCron } from "./compile-cron.ts";
import type { CompiledCron } from "./compile-cron.ts";
import { CronError } from "./errors.ts";
import { assertTimeZone, clockChangeNear, instantsOfWallTime, maxOffsetNear, wallClockOf } from "./wall-clock.ts";
import type { WallTimeInstants } from "./wall-clock.ts";

/**
 * Next fire times of a 5-field Unix cron expression evaluated on the wall clock of an IANA time
 * zone, with cronie's rules for daylight-saving changes (see cron(8), "Daylight Saving Time"):
 * - a wall time that does not exist (spring forward) runs a fixed-time job (minute and hour are
 *   plain values, e.g. `30 2 * * *`) once, at the instant the clock jumps (03:00 local); a
 *   wildcard job (minute or hour starts with `*`, e.g. `0 * * * *`) simply has no run then;
 * - a wall time that happens twice (fall back) runs a fixed-time job once, at its first
 *   occurrence, and a wildcard job at both, so an hourly job runs every real hour.
 * Results are instants strictly after `after`, at whole minutes.
 */

/** Largest daylight-saving shift handled (real ones are 30 min to 2 h). */
const MAX_SHIFT_MS = 3 * 3_600_000;

function fireInstants(compiled: CompiledCron, mapped: WallTimeInstants): number[] {
  switch (mapped.kind) {
    case "single":
      return [mapped.instants[0]];
    case "repeated":
      return compiled.wildcardTime ? [...mapped.instants] : [mapped.instants[0]];
    case "skipped":
      return compiled.wildcardTime ? [] : [mapped.resumesAt];
  }
}

function nextAfter(compiled: CompiledCron, timeZone: string, afterMs: number): number | null {
  const change = clockChangeNear(afterMs, timeZone, MAX_SHIFT_MS);
  // Near a clock change, a wall time earlier than the current one can still lie ahead in real
  // time (the repeated hour): start from the earliest wall time that could map after `afterMs`.
  let cursor = change ? afterMs + Math.min(change.offsetBefore, change.offsetAfter) : wallClockOf(afterMs, timeZone);
  let best: number | null = null;
  let stopAtWall = Number.POSITIVE_INFINITY;
  for (let guard = 0; guard < 100_000; guard++) {
    const wall = compiled.nextWallClockMatch(cursor);
    if (wall === null || wall >= stopAtWall) break;
    const mapped = change?.map(wall) ?? instantsOfWallTime(wall, timeZone);
    for (const instant of fireInstants(compiled, mapped)) {
      if (instant > afterMs && (best === null || instant < best)) {
        best = instant;
        // A later wall time maps to an instant >= wall - (largest offset): past this, none can beat `best`.
        stopAtWall = best + maxOffsetNear(best, timeZone, MAX_SHIFT_MS);
      }
    }
    cursor = wall;
  }
  return best;
}

function checkedArguments(expr: string, timeZone: string, after: Date): { compiled: CompiledCron; afterMs: number } {
  const compiled = compileCron(expr);
  assertTimeZone(timeZone);
  const afterMs = after instanceof Date ? after.getTime() : Number.NaN;
  if (Number.isNaN(afterMs)) throw new CronError(`"after" must be a valid Date, got ${String(after)}`);
  return { compiled, afterMs };
}

/** The first fire time strictly after `after`, or null if there is none before the year 3000. Throws CronError on a bad expression or time zone. */
export function nextFireTime(expr: string, timeZone: string, after: Date): Date | null {
  const { compiled, afterMs } = checkedArguments(expr, timeZone, after);
  const next = nextAfter(compiled, timeZone, afterMs);
  return next === null ? null : new Date(next);
}

/** The next `count` fire times strictly after `after`, in order (fewer if the schedule ends). */
export function nextFireTimes(expr: string, timeZone: string, after: Date, count: number): Date[] {
  const { compiled, afterMs } = checkedArguments(expr, timeZone, after);
  if (!Number.isInteger(count) || count < 0) throw new CronError(`count must be a whole number >= 0, got ${count}`);
  const out: Date[] = [];
  let cursor = afterMs;
  while (out.length < count) {
    const next = nextAfter(compiled, timeZone, cursor);
    if (next === null) break;
    out.push(new Date(next));
    cursor = next;
  }
  return out;
}
