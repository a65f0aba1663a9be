/** The `evd cloud` verbs' bad-input error (exit 2, or 1 for AWS errors) and their argument checks. */
export class CloudCliError extends Error {
  override readonly name = "CloudCliError";
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function need(value: string | undefined, what: string, flag: string, envName: string): string {
  if (!value)
    throw new CloudCliError(`no ${what}: give ${flag}, set ${envName}, or --stack NAME (its outputs name it)`);
  return value;
}

export function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new CloudCliError(`${flag} must be a positive integer, got "${text}"`);
  return n;
}
