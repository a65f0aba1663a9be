/** Provider errors. Rate limits (429) and 5xx are retryable; other failures are permanent. */
export class ProviderError extends Error {
  override readonly name = "ProviderError";
  readonly status?: number;
  readonly permanent: boolean;
  constructor(message: string, options: { status?: number; permanent: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.permanent = options.permanent;
  }
}

/** Retry classification of an HTTP status: 408, 429 and 5xx may succeed later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
