/** What the host needs to run one Lambda function as the template declares it. */
export interface FunctionSpec {
  /** The template's logical id (log prefix, error messages). */
  readonly logicalId: string;
  /** What its log lines are prefixed with (`Orchestrator/Ingest/Function`). */
  readonly label: string;
  readonly functionName: string;
  readonly arn: string;
  /** `nodejs22.x`, ... */
  readonly runtime: string;
  /** `index.handler`: module path and export, as the template gives it. */
  readonly handler: string;
  /** The asset folder from cdk.out: what Lambda unpacks into /var/task. */
  readonly codeDir: string;
  /** Every variable the environment sees: the template's (resolved) and Lambda's own. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** ReservedConcurrentExecutions, when the template sets it. */
  readonly reservedConcurrency?: number;
  readonly logGroupName: string;
  readonly logStreamName: string;
}

/** The error payload Lambda returns for a failed invocation. */
export interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}
