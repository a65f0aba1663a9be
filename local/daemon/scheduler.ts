/**
 * Fires `schedule` sources from their cron and timezone. Each schedule runs its own loop: compute
 * the next fire time from the cron library (never a fixed interval, so DST and month lengths are
 * right), sleep until then in slices below the 2^31 ms timer limit, re-check the clock, fire.
 * With `persist_last_run`, `start()` first submits ONE catch-up event per schedule for the latest
 * slot missed since the recorded last run. Clock and timers are injected (tests and test mode).
 */
import type { Clock } from "../../shared/ports/clock.ts";
import type { LastRunStore } from "../../shared/ports/last-run-store.ts";
import type { Logger } from "../../shared/logging/logger.ts";

export interface ScheduleSpec {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  readonly payload?: Record<string, unknown>;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** One firing: the schedule, its slot, and (catch-up only) the previous run it follows. */
export interface Firing {
  readonly schedule: ScheduleSpec;
  readonly scheduledTime: Date;
  readonly catchUp: boolean;
  readonly lastRun?: Date;
}

export interface SchedulerOptions {
  readonly schedules: readonly ScheduleSpec[];
  /** The cron library: next fire time strictly after `after`, or null when there is none. */
  readonly nextFireTime: (expr: string, timezone: string, after: Date) => Date | null;
  readonly fire: (firing: Firing) => Promise<void>;
  /** Set when `persist_last_run` is on: enables the catch-up on start. */
  readonly lastRun?: LastRunStore;
  readonly clock: Clock;
  /** @default realTimers */
  readonly timers?: Timers;
  readonly logger: Logger;
  readonly onError?: (schedule: ScheduleSpec, err: unknown) => void;
}

export interface Scheduler {
  start(): Promise<void>;
  stop(): void;
  /** Next fire time per schedule name (null: none, or stopped). */
  nextFireTimes(): Record<string, string | null>;
}

/** setTimeout's delay is a signed 32-bit int: longer sleeps are split. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
const SLICE_MS = 6 * 60 * 60 * 1000;

export class SchedulerError extends Error {
  override readonly name = "SchedulerError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The latest slot at or before `now` (and strictly after `after`), found by widening a window back
 * from `now` until it holds a slot, then walking forward inside it: cheap for every-minute and
 * weekly crons alike.
 */
export function latestSlotBetween(
  next: SchedulerOptions["nextFireTime"],
  spec: ScheduleSpec,
  after: Date,
  now: Date,
): Date | null {
  if (after.getTime() >= now.getTime()) return null;
  let window = 60_000;
  for (;;) {
    const from = new Date(Math.max(after.getTime(), now.getTime() - window));
    const first = next(spec.cron, spec.timezone, from);
    if (first && first.getTime() <= now.getTime()) {
      let latest = first;
      for (let i = 0; i < 100_000; i++) {
        const n = next(spec.cron, spec.timezone, latest);
        if (!n || n.getTime() > now.getTime()) break;
        latest = n;
      }
      return latest;
    }
    if (from.getTime() === after.getTime()) return null;
    window *= 2;
  }
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const timers = options.timers ?? realTimers;
  const { clock, logger } = options;
  const pending = new Map<string, { handle: unknown; at: Date }>();
  let running = false;

  function report(spec: ScheduleSpec, err: unknown): void {
    logger.log("error", "schedule failed", {
      schedule: spec.name,
      error: err instanceof Error ? err.message : String(err),
    });
    options.onError?.(spec, err);
  }

  function arm(spec: ScheduleSpec, after: Date): void {
    if (!running) return;
    let at: Date | null;
    try {
      at = options.nextFireTime(spec.cron, spec.timezone, after);
    } catch (err) {
      report(spec, err);
      return;
    }
    if (!at) {
      pending.delete(spec.name);
      return;
    }
    const target = at;
    const wake = (): void => {
      if (!running) return;
      const now = clock.now();
      if (now < target.getTime()) {
        // Woke early (timer slice, or the clock moved): sleep again for what is left.
        const handle = timers.setTimeout(wake, Math.min(target.getTime() - now, SLICE_MS, MAX_TIMER_MS));
        pending.set(spec.name, { handle, at: target });
        return;
      }
      options
        .fire({ schedule: spec, scheduledTime: target, catchUp: false })
        .catch((err: unknown) => report(spec, err))
        .finally(() => arm(spec, new Date(Math.max(now, target.getTime()))));
    };
    const delay = Math.max(0, Math.min(target.getTime() - clock.now(), SLICE_MS, MAX_TIMER_MS));
    pending.set(spec.name, { handle: timers.setTimeout(wake, delay), at: target });
  }

  async function catchUp(spec: ScheduleSpec, store: LastRunStore): Promise<void> {
    const last = await store.get(spec.name);
    if (last === undefined) return;
    const slot = latestSlotBetween(options.nextFireTime, spec, new Date(last), new Date(clock.now()));
    if (!slot) return;
    logger.log("info", "schedule missed while stopped: running it once", {
      schedule: spec.name,
      scheduled_time: slot.toISOString(),
      last_run: new Date(last).toISOString(),
    });
    await options.fire({ schedule: spec, scheduledTime: slot, catchUp: true, lastRun: new Date(last) });
  }

  return {
    async start() {
      if (running) throw new SchedulerError("the scheduler is already running");
      running = true;
      for (const spec of options.schedules) {
        if (options.lastRun) {
          try {
            await catchUp(spec, options.lastRun);
          } catch (err) {
            report(spec, err);
          }
        }
        arm(spec, new Date(clock.now()));
      }
    },
    stop() {
      running = false;
      for (const { handle } of pending.values()) timers.clearTimeout(handle);
      pending.clear();
    },
    nextFireTimes() {
      const out: Record<string, string | null> = {};
      for (const s of options.schedules) {
        if (running) {
          const p = pending.get(s.name);
          out[s.name] = p ? p.at.toISOString() : null;
        } else {
          out[s.name] = null;
        }
      }
      return out;
    },
  };
}
