/** Errors of hook loading. */
export class HookError extends Error {
  override readonly name = "HookError";
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
