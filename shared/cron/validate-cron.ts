import { compileCron } from "./compile-cron.ts";

/**
 * Throws CronError saying what is wrong unless `expr` is a strict 5-field Unix cron expression
 * that can fire (`0 0 30 2 *` parses but never fires, and is refused).
 */
export function validateCron(expr: string): void {
  compileCron(expr);
}
