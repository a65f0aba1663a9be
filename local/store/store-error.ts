/** The root error of the local store: every failure it raises names what and where. */
export class StoreError extends Error {
  override readonly name: string = "StoreError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An admin request (redrive, replay, handler state) named something that is not there or not allowed. */
export class StoreRequestError extends StoreError {
  override readonly name = "StoreRequestError";
}
