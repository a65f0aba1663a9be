/**
 * TEST-ONLY: `EVD_TEST_CLOCK_OFFSET_MS` shifts the daemon's clock (scheduler, store, ingest) by
 * that many milliseconds, so an e2e test can start the daemon two seconds before a cron minute
 * instead of waiting for one. Never set it in real use: schedules would fire at shifted times.
 */
import { systemClock, type Clock } from "../../shared/ports/clock.ts";

export const TEST_CLOCK_ENV = "EVD_TEST_CLOCK_OFFSET_MS";

export function clockFromEnv(env: Readonly<Record<string, string | undefined>>): { clock: Clock; offsetMs: number } {
  const text = env[TEST_CLOCK_ENV];
  if (text === undefined || text === "") return { clock: systemClock, offsetMs: 0 };
  const offsetMs = Number(text);
  if (!Number.isFinite(offsetMs)) throw new Error(`${TEST_CLOCK_ENV} must be a number of milliseconds, got "${text}"`);
  return { clock: { now: () => Date.now() + offsetMs }, offsetMs };
}
