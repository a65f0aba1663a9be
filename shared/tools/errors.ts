/** Tool errors. `permanent` when retrying cannot help (refused path, bad argument, 4xx). */
export class ToolError extends Error {
  override readonly name: string = "ToolError";
  readonly permanent: boolean;
  constructor(message: string, options: { permanent: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.permanent = options.permanent;
  }
}

/** A path that would leave the tool's root (`..`, absolute, or a symlink). Permanent. */
export class PathEscapeError extends ToolError {
  override readonly name = "PathEscapeError";
  constructor(message: string) {
    super(message, { permanent: true });
  }
}

export function badArgument(tool: string, action: string, message: string): ToolError {
  return new ToolError(`${tool} ${action}: ${message}`, { permanent: true });
}
