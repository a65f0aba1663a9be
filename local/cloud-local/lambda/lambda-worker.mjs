// One Lambda execution environment: a worker thread that loads the function's code from its asset
// folder (Init), then runs one invocation at a time with a Lambda-like context. Plain JS, like a
// runtime bootstrap: the bundle runs under plain Node, never through tsx. The host enforces the
// deadline by terminating this thread; the context only reports it.
import { existsSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import Module, { createRequire, register } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import { isBare, isRuntimeProvided, moduleTypeWithin } from "./runtime-hooks.mjs";

/**
 * @typedef {{ handler: string, taskRoot: string, runtimeModules: string, functionName: string,
 *   functionVersion: string, invokedFunctionArn: string, memoryLimitInMB: string,
 *   logGroupName: string, logStreamName: string }} WorkerData
 */
/** @type {WorkerData} */
const data = workerData;
const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);

// ES modules: the hooks. CommonJS (NODE_PATH, set by the host, finds the runtime's SDK): the same
// rule, that a package must come from the function's own code or the runtime.
register(new URL("./runtime-hooks.mjs", import.meta.url), {
  data: {
    runtimeParent: pathToFileURL(join(data.runtimeModules, "..", "runtime.mjs")).href,
    taskRoot: pathToFileURL(data.taskRoot).href,
  },
});
const cjs = /** @type {any} */ (Module);
const resolveFilename = cjs._resolveFilename;
cjs._resolveFilename = function (/** @type {string} */ request, /** @type {any} */ parent, ...rest) {
  const resolved = resolveFilename.call(this, request, parent, ...rest);
  const fromTask = typeof parent?.filename === "string" && parent.filename.startsWith(data.taskRoot);
  if (fromTask && isBare(request) && !isRuntimeProvided(request) && !resolved.startsWith(data.taskRoot)) {
    const error = new Error(
      `Cannot find module '${request}' from ${parent.filename}: the Lambda runtime provides only built-ins and the AWS SDK v3; bundle it into the function`,
    );
    /** @type {any} */ (error).code = "MODULE_NOT_FOUND";
    throw error;
  }
  return resolved;
};
// A CommonJS `.js` file of the function is compiled as CommonJS even inside a project whose
// package.json says "type": "module" (that file is not in /var/task).
const loadJs = cjs._extensions[".js"];
cjs._extensions[".js"] = function (/** @type {any} */ module, /** @type {string} */ filename) {
  if (filename.startsWith(data.taskRoot) && moduleTypeWithin(filename, data.taskRoot) === "commonjs")
    return module._compile(readFileSync(filename, "utf8"), filename);
  return loadJs.call(this, module, filename);
};

/** @param {unknown} err */
function errorPayload(err, fallbackType = "Error") {
  const e = /** @type {any} */ (err);
  return {
    errorType: typeof e?.name === "string" ? e.name : fallbackType,
    errorMessage: typeof e?.message === "string" ? e.message : String(err),
    trace: typeof e?.stack === "string" ? e.stack.split("\n") : [],
  };
}

/** The handler string `path/to/module.export.path` -> module path and export path, as the nodejs runtime reads it. */
function splitHandler(handler) {
  const slash = handler.lastIndexOf("/");
  const dot = handler.indexOf(".", slash + 1);
  if (dot < 0) return { modulePath: handler, exportPath: [] };
  return { modulePath: handler.slice(0, dot), exportPath: handler.slice(dot + 1).split(".") };
}

async function loadHandler() {
  const { modulePath, exportPath } = splitHandler(data.handler);
  if (exportPath.length === 0) {
    const err = new Error(`Bad handler ${data.handler}: missing the export name (expected <module>.<export>)`);
    err.name = "Runtime.MalformedHandlerName";
    throw err;
  }
  const file = [".js", ".mjs", ".cjs"].map((ext) => join(data.taskRoot, modulePath + ext)).find((f) => existsSync(f));
  if (!file) {
    const err = new Error(`Error: Cannot find module '${modulePath}' in ${data.taskRoot} (tried .js, .mjs, .cjs)`);
    err.name = "Runtime.ImportModuleError";
    throw err;
  }
  let mod;
  try {
    const commonjs =
      file.endsWith(".cjs") || (file.endsWith(".js") && moduleTypeWithin(file, data.taskRoot) === "commonjs");
    mod = commonjs ? createRequire(import.meta.url)(file) : await import(pathToFileURL(file).href);
  } catch (cause) {
    const err = new Error(`${errorPayload(cause).errorType}: ${errorPayload(cause).errorMessage}`);
    err.name = cause instanceof SyntaxError ? "Runtime.UserCodeSyntaxError" : "Runtime.ImportModuleError";
    throw err;
  }
  /** @type {any} */
  let fn = mod;
  for (const part of exportPath) fn = fn?.[part];
  if (typeof fn !== "function") {
    const err = new Error(`${data.handler} is undefined or not exported`);
    err.name = "Runtime.HandlerNotFound";
    throw err;
  }
  return fn;
}

/** Runs a handler in either Node style: async (returns a promise) or callback (3 parameters). */
function callHandler(fn, event, context) {
  if (fn.length >= 3) {
    return new Promise((resolve, reject) => {
      const callback = (err, result) => (err ? reject(err) : resolve(result));
      context.done = callback;
      context.succeed = (result) => callback(null, result);
      context.fail = (err) => callback(err ?? new Error("handled"));
      const returned = fn(event, context, callback);
      if (returned && typeof returned.then === "function") returned.then(resolve, reject);
    });
  }
  return Promise.resolve().then(() => fn(event, context));
}

let current = /** @type {string | undefined} */ (undefined);
process.on("unhandledRejection", (reason) => {
  const err = errorPayload(reason);
  port.postMessage({ type: "crashed", id: current, error: { ...err, errorType: "Runtime.UnhandledPromiseRejection" } });
});
process.on("uncaughtException", (error) => {
  port.postMessage({ type: "crashed", id: current, error: errorPayload(error) });
});

const started = performance.now();
let handler;
try {
  handler = await loadHandler();
  port.postMessage({ type: "init", ok: true, ms: performance.now() - started });
} catch (err) {
  port.postMessage({ type: "init", ok: false, error: errorPayload(err) });
}

port.on("message", (msg) => {
  if (msg.type !== "invoke") return;
  current = msg.id;
  process.env._X_AMZN_TRACE_ID = msg.traceId;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: data.functionName,
    functionVersion: data.functionVersion,
    invokedFunctionArn: data.invokedFunctionArn,
    memoryLimitInMB: data.memoryLimitInMB,
    awsRequestId: msg.id,
    logGroupName: data.logGroupName,
    logStreamName: data.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, msg.deadline - Date.now()),
  };
  callHandler(handler, JSON.parse(msg.event), context).then(
    (result) => {
      current = undefined;
      let text;
      try {
        text = JSON.stringify(result === undefined ? null : result);
      } catch (err) {
        const e = errorPayload(err);
        return port.postMessage({
          type: "failed",
          id: msg.id,
          error: { ...e, errorType: "Runtime.ResponseSerializationError" },
        });
      }
      port.postMessage({ type: "done", id: msg.id, result: text });
    },
    (err) => {
      current = undefined;
      port.postMessage({ type: "failed", id: msg.id, error: errorPayload(err) });
    },
  );
});
