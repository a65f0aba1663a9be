/**
 * Retry intent is said by an error's class (as Inngest's NonRetriableError / RetryAfterError):
 * a `PermanentError` means running the job again cannot help (a bad template, an unknown handler,
 * a message that is not a job); a `RetryableError` means it may (a timeout, a provider's 429),
 * optionally not before `retryAfterMs`. Module errors that learn their intent at run time (an
 * HTTP status) carry `permanent: boolean` instead; `isPermanent` reads both.
 */
export class JobFailure extends Error {
  override readonly name: string = "JobFailure";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class RetryableError extends JobFailure {
  override readonly name: string = "RetryableError";
  /** The earliest sensible retry, when the failure says so (a Retry-After). */
  readonly retryAfterMs?: number;
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export class PermanentError extends JobFailure {
  override readonly name: string = "PermanentError";
}

/** True when an error says retrying cannot help: a PermanentError, or any error with `permanent: true`. */
export function isPermanent(error: unknown): boolean {
  if (error instanceof PermanentError) return true;
  return typeof error === "object" && error !== null && (error as { permanent?: unknown }).permanent === true;
}

/** The intent of any thrown value: PermanentError and RetryableError kept, anything else by its flag. */
export function retryIntentOf(error: unknown, message?: string): RetryableError | PermanentError {
  if (error instanceof PermanentError || error instanceof RetryableError) return error;
  const text = message ?? (error instanceof Error ? error.message : String(error));
  return isPermanent(error) ? new PermanentError(text, { cause: error }) : new RetryableError(text, { cause: error });
}
