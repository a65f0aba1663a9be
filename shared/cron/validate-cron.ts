import { CronError } from "./errors.ts";
import { compileCron } from "./compile-cron.ts";

/**
 * Throws CronError saying what is wrong unless `expr` is a strict 5-field Unix cron expression
 * that fires at least once (`0 0 30 2 *` parses but never fires, and is refused).
 */
export function validateCron(expr: string): void {
  const compiled = compileCron(expr);
  if (compiled.nextWallClockMatch(Date.UTC(2000, 0, 1)) === null) {
    throw new CronError(`invalid cron ${JSON.stringify(expr)}: it never fires (no chosen month has the chosen day-of-month)`);
  }
}
