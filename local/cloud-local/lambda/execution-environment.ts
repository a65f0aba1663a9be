/**
 * One execution environment of a function: a worker thread running lambda-worker.mjs with the
 * function's environment variables and a heap limit of its memory size. It serves one invocation
 * at a time; a timeout, a crash or running out of memory ends it (terminate), and the host starts
 * a fresh one for the next invocation, as Lambda does.
 */
import { randomBytes } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { Readable } from "node:stream";
import type { FunctionSpec, LambdaError } from "./function-spec.ts";
import { runtimeNodeModules } from "./runtime-modules.ts";

const WORKER_FILE = new URL("./lambda-worker.mjs", import.meta.url);

export type InvocationResult =
  | { readonly ok: true; readonly payload: unknown }
  | { readonly ok: false; readonly error: LambdaError; readonly timedOut?: boolean };

type WorkerMessage =
  | { type: "init"; ok: true; ms: number }
  | { type: "init"; ok: false; error: LambdaError }
  | { type: "done"; id: string; result: string }
  | { type: "failed"; id: string; error: LambdaError }
  | { type: "crashed"; id?: string; error: LambdaError };

export interface EnvironmentOptions {
  readonly spec: FunctionSpec;
  /** One line of the function's stdout or stderr. */
  readonly log: (line: string) => void;
}

function traceId(): string {
  const seconds = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${seconds}-${randomBytes(12).toString("hex")};Parent=${randomBytes(8).toString("hex")};Sampled=0`;
}

function forwardLines(stream: Readable, log: (line: string) => void): void {
  let partial = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    partial += chunk;
    const lines = partial.split("\n");
    partial = lines.pop()!;
    for (const l of lines) log(l);
  });
  stream.on("end", () => {
    if (partial) log(partial);
  });
}

export class ExecutionEnvironment {
  readonly #worker: Worker;
  readonly #spec: FunctionSpec;
  #pending: { id: string; resolve: (r: InvocationResult) => void } | undefined;
  #ended = false;
  /** Resolves when Init is over: its duration, or the init error. */
  readonly ready: Promise<{ ok: true; ms: number } | { ok: false; error: LambdaError }>;

  constructor(opts: EnvironmentOptions) {
    const { spec } = opts;
    this.#spec = spec;
    this.#worker = new Worker(WORKER_FILE, {
      workerData: {
        handler: spec.handler,
        taskRoot: spec.codeDir,
        runtimeModules: runtimeNodeModules(),
        functionName: spec.functionName,
        functionVersion: "$LATEST",
        invokedFunctionArn: spec.arn,
        memoryLimitInMB: String(spec.memoryMb),
        logGroupName: spec.logGroupName,
        logStreamName: spec.logStreamName,
      },
      env: { ...spec.environment, NODE_PATH: runtimeNodeModules() },
      resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb },
      stdout: true,
      stderr: true,
      execArgv: [],
    });
    forwardLines(this.#worker.stdout, opts.log);
    forwardLines(this.#worker.stderr, opts.log);
    this.ready = new Promise((resolve) => {
      const onInit = (msg: WorkerMessage) => {
        if (msg.type !== "init") return;
        this.#worker.off("message", onInit);
        resolve(msg.ok ? { ok: true, ms: msg.ms } : { ok: false, error: msg.error });
      };
      this.#worker.on("message", onInit);
      this.#worker.once("error", (err) =>
        resolve({ ok: false, error: { errorType: "Runtime.ExitError", errorMessage: err.message, trace: [] } }),
      );
      this.#worker.once("exit", (code) =>
        resolve({
          ok: false,
          error: {
            errorType: "Runtime.ExitError",
            errorMessage: `the environment exited during Init (code ${code})`,
            trace: [],
          },
        }),
      );
    });
    this.#worker.on("message", (msg: WorkerMessage) => this.#onMessage(msg));
    this.#worker.on("error", (err) => this.#end(this.#crashError(err)));
    this.#worker.on("exit", (code) =>
      this.#end({
        errorType: "Runtime.ExitError",
        errorMessage: `RequestId: ${this.#pending?.id ?? "-"} Error: Runtime exited with error: exit status ${code}`,
        trace: [],
      }),
    );
  }

  /** True once the environment cannot serve again (timed out, crashed, terminated). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Runs one invocation; the environment ends if it does not finish by `deadline` (epoch ms). */
  invoke(requestId: string, event: string, deadline: number): Promise<InvocationResult> {
    if (this.#pending) throw new Error("an execution environment runs one invocation at a time");
    return new Promise<InvocationResult>((resolve) => {
      const timer = setTimeout(
        () => {
          const seconds = this.#spec.timeoutSeconds.toFixed(2);
          this.#settle({
            ok: false,
            timedOut: true,
            error: {
              errorType: "Sandbox.Timedout",
              errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`,
              trace: [],
            },
          });
          void this.terminate();
        },
        Math.max(0, deadline - Date.now()),
      );
      this.#pending = {
        id: requestId,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.#worker.postMessage({ type: "invoke", id: requestId, event, deadline, traceId: traceId() });
    });
  }

  async terminate(): Promise<void> {
    this.#ended = true;
    await this.#worker.terminate();
  }

  #onMessage(msg: WorkerMessage): void {
    if (msg.type === "done" && msg.id === this.#pending?.id) {
      let payload: unknown;
      try {
        payload = JSON.parse(msg.result);
      } catch {
        payload = null;
      }
      this.#settle({ ok: true, payload });
    } else if (msg.type === "failed" && msg.id === this.#pending?.id) {
      this.#settle({ ok: false, error: msg.error });
    } else if (msg.type === "crashed") {
      // An unhandled rejection or exception ends the environment, as it does in Lambda.
      this.#end(msg.error);
      void this.terminate();
    }
  }

  #crashError(err: Error & { code?: string }): LambdaError {
    if (err.code === "ERR_WORKER_OUT_OF_MEMORY")
      return {
        errorType: "Runtime.OutOfMemory",
        errorMessage: `Runtime exited: the function used more than its ${this.#spec.memoryMb} MB`,
        trace: [],
      };
    return { errorType: "Runtime.ExitError", errorMessage: err.message, trace: (err.stack ?? "").split("\n") };
  }

  #end(error: LambdaError): void {
    this.#ended = true;
    this.#settle({ ok: false, error });
  }

  #settle(result: InvocationResult): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(result);
  }
}
