/** Errors of the pipeline engine. `permanent` says retrying the job cannot help. */
export class PipelineError extends Error {
  override readonly name: string = "PipelineError";
  readonly permanent: boolean;
  constructor(message: string, options: { permanent?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.permanent = options.permanent ?? false;
  }
}

/** A template names a path that is not there, or is malformed. Always permanent. */
export class TemplateError extends PipelineError {
  override readonly name = "TemplateError";
  constructor(message: string) {
    super(message, { permanent: true });
  }
}

/** A recipe cannot be found, parsed or validated, or recipes recurse. Always permanent. */
export class RecipeError extends PipelineError {
  override readonly name = "RecipeError";
  constructor(message: string, cause?: unknown) {
    super(message, { permanent: true, cause });
  }
}

/** A step ran past its `timeout`. Retryable. */
export class StepTimeoutError extends PipelineError {
  override readonly name = "StepTimeoutError";
  constructor(where: string, seconds: number) {
    super(`${where}: timed out after ${seconds}s`);
  }
}

/** True when an error says retrying cannot help (any module's error with `permanent: true`). */
export function isPermanent(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { permanent?: unknown }).permanent === true;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
