/** The root error of the AWS adapters: vendor errors are translated into these, with `cause`. */
export class AwsAdapterError extends Error {
  override readonly name: string = "AwsAdapterError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The queue could not take the jobs: nothing was recorded, the caller should answer 503. */
export class EnqueueError extends AwsAdapterError {
  override readonly name = "EnqueueError";
}

/** A secret reference could not be resolved. The message names the reference, never a value. */
export class SecretLookupError extends AwsAdapterError {
  override readonly name = "SecretLookupError";
}

/** True for the DynamoDB condition failure, whatever client shape raised it. */
export function isConditionalCheckFailed(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === "ConditionalCheckFailedException" || err.name === "TransactionCanceledException")
  );
}
