/**
 * The environment variables of a local execution environment: the template's (resolved, with
 * paths under /var/task pointing into the asset folder, which is what Lambda unpacks there), then
 * Lambda's own (function name, memory, region, handler, task root, credentials) and the local AWS
 * endpoint. Refused as Lambda refuses them at deployment: a reserved key in the template, or more
 * than 4 KB of variables.
 */
import { TemplateError } from "../errors.ts";

/** Keys Lambda sets itself and refuses in a function's configuration. */
export const RESERVED_KEYS = [
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_DEFAULT_REGION",
  "AWS_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
] as const;

/** Lambda's limit on the total size of a function's environment variables. */
export const MAX_ENVIRONMENT_BYTES = 4096;
export const TASK_ROOT = "/var/task";

export interface LambdaEnvironmentInput {
  readonly logicalId: string;
  /** The template's `Environment.Variables`, resolved. */
  readonly declared: Readonly<Record<string, unknown>>;
  readonly codeDir: string;
  readonly functionName: string;
  readonly handler: string;
  readonly runtime: string;
  readonly memoryMb: number;
  readonly region: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** The local AWS endpoint every SDK client of the function uses. */
  readonly endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Host variables passed through (PATH, so tools can run programs). */
  readonly host: Readonly<Record<string, string | undefined>>;
}

export function lambdaEnvironment(input: LambdaEnvironmentInput): Record<string, string> {
  const where = `${input.logicalId}.Properties.Environment.Variables`;
  const declared: Record<string, string> = {};
  let bytes = 0;
  for (const [key, raw] of Object.entries(input.declared)) {
    if ((RESERVED_KEYS as readonly string[]).includes(key))
      throw new TemplateError(`${where}.${key}: Lambda reserves this key and refuses the deployment`);
    if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean")
      throw new TemplateError(`${where}.${key}: an environment value must be a string, got ${JSON.stringify(raw)}`);
    const value = String(raw);
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    declared[key] =
      value === TASK_ROOT || value.startsWith(`${TASK_ROOT}/`) ? input.codeDir + value.slice(TASK_ROOT.length) : value;
  }
  if (bytes > MAX_ENVIRONMENT_BYTES)
    throw new TemplateError(
      `${where}: ${bytes} bytes of environment variables; Lambda allows ${MAX_ENVIRONMENT_BYTES}`,
    );
  return {
    ...(input.host.PATH ? { PATH: input.host.PATH } : {}),
    LANG: "en_US.UTF-8",
    ...declared,
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${input.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: input.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(input.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: input.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    AWS_ACCESS_KEY_ID: input.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: input.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: "evdcloudlocal",
    AWS_ENDPOINT_URL: input.endpoint,
    LAMBDA_TASK_ROOT: input.codeDir,
    _HANDLER: input.handler,
  };
}
