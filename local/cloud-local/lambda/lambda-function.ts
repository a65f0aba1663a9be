/**
 * A Lambda function run locally: a pool of execution environments (worker threads), one
 * invocation per environment at a time. An idle environment is reused (warm); otherwise a new one
 * starts (cold: Init runs first, outside the function's timeout). With reserved concurrency the
 * function never runs more at once and an invocation beyond it is throttled
 * (TooManyRequestsException), as in Lambda; without it, invocations past the local cap of
 * environments wait for one.
 */
import { randomUUID } from "node:crypto";
import { ExecutionEnvironment, type InvocationResult } from "./execution-environment.ts";
import type { FunctionSpec, LambdaError } from "./function-spec.ts";

export type InvokeResult =
  InvocationResult | { readonly ok: false; readonly error: LambdaError; readonly throttled: true };

export interface LambdaFunctionOptions {
  /** One line of the function's output, or a START/END/REPORT line of the host. */
  readonly log: (line: string) => void;
  /** Environments a function without reserved concurrency may run at once. @default 10 */
  readonly maxEnvironments?: number;
}

export class LambdaFunction {
  readonly spec: FunctionSpec;
  readonly #log: (line: string) => void;
  readonly #limit: number;
  readonly #throttles: boolean;
  readonly #idle: ExecutionEnvironment[] = [];
  readonly #all = new Set<ExecutionEnvironment>();
  readonly #waiting: (() => void)[] = [];
  #busy = 0;
  #stopped = false;

  constructor(spec: FunctionSpec, opts: LambdaFunctionOptions) {
    this.spec = spec;
    this.#log = opts.log;
    this.#throttles = spec.reservedConcurrency !== undefined;
    this.#limit = spec.reservedConcurrency ?? opts.maxEnvironments ?? 10;
  }

  /** Invocations running now. */
  get running(): number {
    return this.#busy;
  }

  /**
   * Starts one environment and waits for its Init (the module loads and the handler export
   * exists): what a deployment's first invocation would find. Kept warm for the first invocation.
   */
  async prewarm(): Promise<{ ok: true; ms: number } | { ok: false; error: LambdaError }> {
    const env = this.#newEnvironment();
    const init = await env.ready;
    if (init.ok) this.#idle.push(env);
    else await this.#discard(env);
    return init;
  }

  /** A synchronous (RequestResponse) invocation with the event as JSON. */
  async invoke(event: unknown): Promise<InvokeResult> {
    if (this.#stopped) return { ok: false, error: lambdaError("ServiceException", "the function is stopping") };
    if (this.#busy >= this.#limit) {
      if (this.#throttles)
        return {
          ok: false,
          throttled: true,
          error: lambdaError("TooManyRequestsException", `Rate Exceeded. (reserved concurrency ${this.#limit})`),
        };
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#busy++;
    try {
      return await this.#run(JSON.stringify(event));
    } finally {
      this.#busy--;
      this.#waiting.shift()?.();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const w of this.#waiting.splice(0)) w();
    await Promise.all([...this.#all].map((e) => this.#discard(e)));
  }

  async #run(event: string): Promise<InvocationResult> {
    const requestId = randomUUID();
    let env = this.#idle.pop();
    let initMs: number | undefined;
    if (!env || env.ended) {
      env = this.#newEnvironment();
      const init = await env.ready;
      if (!init.ok) {
        this.#log(`START RequestId: ${requestId} Version: $LATEST`);
        this.#log(`INIT_REPORT Status: error Error Type: ${init.error.errorType} ${init.error.errorMessage}`);
        this.#log(`END RequestId: ${requestId}`);
        await this.#discard(env);
        return { ok: false, error: init.error };
      }
      initMs = init.ms;
    }
    const started = Date.now();
    const deadline = started + this.spec.timeoutSeconds * 1000;
    this.#log(`START RequestId: ${requestId} Version: $LATEST`);
    const result = await env.invoke(requestId, event, deadline);
    const ms = Date.now() - started;
    if (!result.ok)
      this.#log(
        `${new Date().toISOString()}\t${requestId}\tERROR\t${result.error.errorType}: ${result.error.errorMessage}`,
      );
    this.#log(`END RequestId: ${requestId}`);
    this.#log(
      `REPORT RequestId: ${requestId}\tDuration: ${ms} ms\tBilled Duration: ${Math.max(1, Math.ceil(ms))} ms\tMemory Size: ${this.spec.memoryMb} MB` +
        (initMs !== undefined ? `\tInit Duration: ${initMs.toFixed(2)} ms` : "") +
        (!result.ok && result.timedOut ? "\tStatus: timeout" : ""),
    );
    if (env.ended || this.#stopped) await this.#discard(env);
    else this.#idle.push(env);
    return result;
  }

  #newEnvironment(): ExecutionEnvironment {
    const env = new ExecutionEnvironment({ spec: this.spec, log: this.#log });
    this.#all.add(env);
    return env;
  }

  async #discard(env: ExecutionEnvironment): Promise<void> {
    this.#all.delete(env);
    const i = this.#idle.indexOf(env);
    if (i >= 0) this.#idle.splice(i, 1);
    await env.terminate();
  }
}

export function lambdaError(errorType: string, errorMessage: string): LambdaError {
  return { errorType, errorMessage, trace: [] };
}
