// Module resolution hooks of a local Lambda execution environment (plain JS: it runs in the
// worker before anything else, without tsx). The nodejs runtimes provide the AWS SDK v3
// (`@aws-sdk/*`, `@smithy/*`): those are resolved from evd's own node_modules, wherever the asset
// folder is. Any other package the bundle did not include fails, as it would in Lambda, even when
// the asset folder sits inside a project whose node_modules would have it.
import { isBuiltin } from "node:module";

/** @type {string} */
let runtimeRoot = "";
/** @type {string} */
let taskRoot = "";

/** @param {{ runtimeRoot: string, taskRoot: string }} data */
export async function initialize(data) {
  runtimeRoot = data.runtimeRoot;
  taskRoot = data.taskRoot;
}

/** @param {string} specifier */
function isBare(specifier) {
  return !/^(\.{0,2}\/|file:|data:|node:)/.test(specifier) && !isBuiltin(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  if (!isBare(specifier)) return nextResolve(specifier, context);
  if (specifier.startsWith("@aws-sdk/") || specifier.startsWith("@smithy/"))
    return nextResolve(specifier, { ...context, parentURL: runtimeRoot });
  if (context.parentURL && context.parentURL.startsWith(taskRoot)) {
    const error = new Error(
      `Cannot find package '${specifier}' imported from ${context.parentURL}: the Lambda runtime provides only node: built-ins and the AWS SDK v3 (@aws-sdk/*, @smithy/*); bundle it into the function`,
    );
    /** @type {any} */ (error).code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return nextResolve(specifier, context);
}
