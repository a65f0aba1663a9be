/**
 * EventBridge Scheduler expressions -> their next firing: `cron(min hour dom month dow year)`
 * in the schedule's time zone, `rate(n unit)` from the schedule's start, `at(yyyy-mm-ddThh:mm:ss)`
 * once. A cron expression is rewritten as the 5-field Unix cron it means and evaluated by
 * shared/cron (whose daylight-saving rules are cronie's: on the two change days a year a local
 * run can differ from EventBridge's by its documented skip/repeat). `L`, `W` and `#` have no Unix
 * form: such a schedule is not fired automatically (`evd cloud local fire NAME` fires it).
 */
import { nextFireTime } from "../../../shared/cron/next-fire-time.ts";
import { CloudLocalError } from "../errors.ts";

export type ScheduleTiming =
  | { readonly kind: "cron"; readonly unix: string; readonly years?: readonly number[]; readonly timezone: string }
  | { readonly kind: "rate"; readonly periodMs: number }
  | { readonly kind: "at"; readonly at: Date }
  | { readonly kind: "unsupported"; readonly reason: string };

const UNITS: Readonly<Record<string, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const FIELD_MAX = { minute: 59, hour: 23, dom: 31, month: 12, dow: 7 } as const;

/** EventBridge day-of-week numbers are 1 (SUN) to 7 (SAT); Unix's 0 to 6. */
function unixDayOfWeek(field: string): string {
  return field.replace(/\d+/g, (n) => String(Number(n) - 1));
}

/** `a/n` (EventBridge: from a, every n) -> `a-max/n` (Unix). */
function expandStart(field: string, max: number): string {
  return field
    .split(",")
    .map((part) => {
      const m = /^(\d+|[A-Z]{3})\/(\d+)$/i.exec(part);
      return m ? `${m[1]}-${max}/${m[2]}` : part;
    })
    .join(",");
}

function years(field: string): number[] | undefined | "bad" {
  if (field === "*") return undefined;
  const out: number[] = [];
  for (const part of field.split(",")) {
    const m = /^(\d{4})(?:-(\d{4}))?(?:\/(\d+))?$/.exec(part);
    if (!m) return "bad";
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : m[3] ? 2199 : from;
    for (let y = from; y <= to; y += Number(m[3] ?? 1)) out.push(y);
  }
  return out;
}

export function parseScheduleExpression(expression: string, timezone = "UTC"): ScheduleTiming {
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6) return { kind: "unsupported", reason: `cron() needs 6 fields, got ${fields.length}` };
    const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
    if (/[LW#]/.test(dom + dow))
      return { kind: "unsupported", reason: `"${expression}" uses L, W or #, which have no Unix cron form` };
    const ys = years(year);
    if (ys === "bad") return { kind: "unsupported", reason: `year field "${year}" is not understood` };
    const unix = [
      expandStart(min, FIELD_MAX.minute),
      expandStart(hour, FIELD_MAX.hour),
      dom === "?" ? "*" : expandStart(dom, FIELD_MAX.dom),
      expandStart(month, FIELD_MAX.month),
      dow === "?" ? "*" : unixDayOfWeek(expandStart(dow, FIELD_MAX.dow)),
    ].join(" ");
    return { kind: "cron", unix, ...(ys ? { years: ys } : {}), timezone };
  }
  const rate = /^rate\((\d+)\s+(minute|hour|day)s?\)$/.exec(expression.trim());
  if (rate) return { kind: "rate", periodMs: Number(rate[1]) * UNITS[rate[2]!]! };
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression.trim());
  if (at) return { kind: "at", at: wallTimeIn(at[1]!, timezone) };
  return { kind: "unsupported", reason: `"${expression}" is not a cron(), rate() or at() expression` };
}

/** A wall-clock time (`2030-01-01T09:00:00`) in a time zone -> the instant. */
function wallTimeIn(wall: string, timezone: string): Date {
  const asUtc = Date.parse(`${wall}Z`);
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(asUtc));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const shown = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return new Date(asUtc - (shown - asUtc));
}

export interface ScheduleWindow {
  /** Rate schedules count from here (StartDate, else the creation time). */
  readonly start: Date;
  readonly end?: Date;
}

/** The first firing strictly after `after`, or null when there is none (ended, unsupported). */
export function nextFiring(timing: ScheduleTiming, after: Date, window: ScheduleWindow): Date | null {
  const from = after < window.start ? new Date(window.start.getTime() - 1) : after;
  let next: Date | null = null;
  switch (timing.kind) {
    case "unsupported":
      return null;
    case "at":
      next = timing.at > from ? timing.at : null;
      break;
    case "rate": {
      const k = Math.floor((from.getTime() - window.start.getTime()) / timing.periodMs) + 1;
      next = new Date(window.start.getTime() + Math.max(1, k) * timing.periodMs);
      break;
    }
    case "cron": {
      try {
        next = nextFireTime(timing.unix, timing.timezone, from);
        for (
          let guard = 0;
          next && timing.years && !timing.years.includes(next.getUTCFullYear()) && guard < 1000;
          guard++
        )
          next = nextFireTime(timing.unix, timing.timezone, next);
        if (next && timing.years && !timing.years.includes(next.getUTCFullYear())) next = null;
      } catch (err) {
        throw new CloudLocalError(`schedule ${timing.unix} (${timing.timezone}): ${(err as Error).message}`, {
          cause: err,
        });
      }
      break;
    }
  }
  return next && window.end && next > window.end ? null : next;
}

/** `<aws.scheduler.scheduled-time>`: ISO 8601 to the second, in UTC. */
export function scheduledTimeText(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}
