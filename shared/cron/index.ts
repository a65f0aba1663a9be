/** Strict 5-field Unix cron: validation, next fire times in a time zone (DST-aware), EventBridge conversion. */
export { CronError } from "./errors.ts";
export { validateCron } from "./validate-cron.ts";
export { parseCron } from "./parse-cron.ts";
export type { CronFieldValue, CronItem, ParsedCron } from "./parse-cron.ts";
export { nextFireTime, nextFireTimes } from "./next-fire-time.ts";
export { toEventBridgeExpression } from "./eventbridge.ts";
export { assertTimeZone } from "./wall-clock.ts";
