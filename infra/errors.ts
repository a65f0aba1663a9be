/** Root of the errors the infrastructure code throws; `cause` keeps the underlying error. */
export class InfraError extends Error {
  override readonly name: string = "InfraError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The construct's props (or the config they carry) cannot be deployed as given. Nothing was built. */
export class OrchestratorPropsError extends InfraError {
  override readonly name: string = "OrchestratorPropsError";
  /** Where the problem is, e.g. `config.sources[3].cron` or `props.runnerMemoryMiB`. */
  readonly where: string;
  constructor(where: string, message: string, options?: { cause?: unknown }) {
    super(`${where}: ${message}`, options);
    this.where = where;
  }
}
