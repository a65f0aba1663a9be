/** The root error of the watcher bridge. */
export class BridgeError extends Error {
  override readonly name: string = "BridgeError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The spool folder could not be read or written (or another bridge holds it). */
export class SpoolError extends BridgeError {
  override readonly name = "SpoolError";
}
