/**
 * What runs for one stack while `evd cloud local` is up: the functions, the queues they poll,
 * the HTTP APIs, the functions' resource policies, the event source mappings. Provisioners fill
 * it in template order; the HTTP APIs, pollers and the schedule clock read it.
 */
import type { AwsClients } from "./aws-clients.ts";
import type { HttpApiServer } from "./http-api/http-api-server.ts";
import type { LambdaFunction } from "./lambda/lambda-function.ts";
import type { SqsMappingSpec } from "./event-sources/sqs-poller.ts";

export interface StackIdentity {
  readonly stackName: string;
  readonly stackId: string;
  readonly region: string;
  readonly accountId: string;
}

/** Where a line of output comes from (`Ingest`, `HTTP API`, `Runner <- JobQueue`) and the line. */
export type LogSink = (source: string, line: string) => void;

export interface QueueInfo {
  readonly logicalId: string;
  readonly url: string;
  readonly arn: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface FunctionPermission {
  readonly logicalId: string;
  readonly functionRef: string;
  readonly principal: string;
  readonly sourceArn?: string;
  readonly sourceAccount?: string;
}

export interface LocalCloudOptions {
  readonly identity: StackIdentity;
  readonly aws: AwsClients;
  /** The local AWS endpoint (functions get it as AWS_ENDPOINT_URL). */
  readonly endpoint: string;
  readonly log: LogSink;
  /** Port of the first HTTP API. @default a free port */
  readonly apiPort?: number;
  /** Execution environments a function without reserved concurrency may run at once. */
  readonly maxEnvironments?: number;
  /** Host environment (PATH is passed to the functions). */
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
}

export class LocalCloud {
  readonly opts: LocalCloudOptions;
  readonly functions = new Map<string, LambdaFunction>();
  readonly queues = new Map<string, QueueInfo>();
  readonly apis = new Map<string, HttpApiServer>();
  readonly permissions: FunctionPermission[] = [];
  readonly mappings: SqsMappingSpec[] = [];

  constructor(opts: LocalCloudOptions) {
    this.opts = opts;
  }

  get identity(): StackIdentity {
    return this.opts.identity;
  }

  /** A function by name, ARN (qualified or not) or partial ARN. */
  findFunction(ref: string): LambdaFunction | undefined {
    const name = /:function:([^:]+)/.exec(ref)?.[1] ?? ref;
    for (const fn of this.functions.values()) if (fn.spec.functionName === name || fn.spec.arn === ref) return fn;
    return undefined;
  }

  /**
   * Whether the function's resource policy (its AWS::Lambda::Permission resources) allows
   * `principal` to invoke it from `sourceArn`: `*` and `?` in a permission's SourceArn match as
   * IAM's ArnLike does.
   */
  permits(fn: LambdaFunction, principal: string, sourceArn: string): boolean {
    return this.permissions.some(
      (p) =>
        this.findFunction(p.functionRef) === fn &&
        (p.principal === principal || p.principal === "*") &&
        (p.sourceArn === undefined || arnLike(p.sourceArn, sourceArn)) &&
        (p.sourceAccount === undefined || p.sourceAccount === this.identity.accountId),
    );
  }

  queueByArn(arn: string): QueueInfo | undefined {
    return this.queues.get(arn);
  }

  /** The port for the next HTTP API: `apiPort` for the first, any free one after. */
  takeApiPort(): number {
    return this.apis.size === 0 ? (this.opts.apiPort ?? 0) : 0;
  }
}

export function arnLike(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return re.test(value);
}
