/**
 * TEST-ONLY scheduler clock. Two environment variables change how the daemon's SCHEDULER sees
 * time (nothing else: the store, worker and ingest keep the real clock):
 *   EVD_TEST_CLOCK_OFFSET_MS  the scheduler's clock starts this far ahead of the real one;
 *   EVD_TEST_CLOCK_SPEED      and runs this many times faster (60: a cron minute per real second).
 * So an e2e test sees an every-minute cron fire within a second, and a restart "hours later" finds
 * missed slots. Never set them in real use: schedules would fire at the wrong times. The daemon
 * logs a warning when they are set.
 */
import { systemClock, type Clock } from "../../shared/ports/clock.ts";
import { realTimers, type Timers } from "./scheduler.ts";

export const TEST_CLOCK_OFFSET_ENV = "EVD_TEST_CLOCK_OFFSET_MS";
export const TEST_CLOCK_SPEED_ENV = "EVD_TEST_CLOCK_SPEED";

export interface SchedulerTime {
  readonly clock: Clock;
  readonly timers: Timers;
  /** True when a test clock is in effect. */
  readonly test: boolean;
  readonly offsetMs: number;
  readonly speed: number;
}

function num(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  check: (n: number) => boolean,
): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n))
    throw new Error(
      `${name} must be a ${name === TEST_CLOCK_SPEED_ENV ? "positive number" : "number of milliseconds"}, got "${text}"`,
    );
  return n;
}

export function schedulerTimeFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  now: () => number = Date.now,
): SchedulerTime {
  const offsetMs = num(env, TEST_CLOCK_OFFSET_ENV, 0, () => true);
  const speed = num(env, TEST_CLOCK_SPEED_ENV, 1, (n) => n > 0);
  if (offsetMs === 0 && speed === 1) return { clock: systemClock, timers: realTimers, test: false, offsetMs, speed };
  const r0 = now();
  return {
    clock: { now: () => r0 + offsetMs + (now() - r0) * speed },
    timers: {
      setTimeout: (fn, ms) => setTimeout(fn, Math.ceil(ms / speed)),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
    test: true,
    offsetMs,
    speed,
  };
}
