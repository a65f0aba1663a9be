/** Root error of the cron module: a bad expression, a time zone that does not exist, an inexpressible conversion. */
export class CronError extends Error {
  override readonly name = "CronError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
