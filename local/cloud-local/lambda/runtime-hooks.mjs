// Module resolution hooks of a local Lambda execution environment (plain JS: it runs in the
// worker before anything else, without tsx). The nodejs runtimes provide the AWS SDK v3
// (`@aws-sdk/*`, `@smithy/*`): those resolve from the runtime folder (runtime-modules.ts). Any
// other package must come from the function's own code: a bare import that would resolve outside
// the asset folder fails, as it does in Lambda, even when the asset folder sits inside a project
// whose node_modules has the package.
import { existsSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** @type {string} */
let runtimeParent = "";
/** @type {string} */
let taskRoot = "";

/** @param {{ runtimeParent: string, taskRoot: string }} data */
export async function initialize(data) {
  runtimeParent = data.runtimeParent;
  taskRoot = data.taskRoot;
}

/** @param {string} specifier */
export function isBare(specifier) {
  return !/^(\.{0,2}\/|file:|data:|node:)/.test(specifier) && !isBuiltin(specifier);
}

/** @param {string} specifier */
export function isRuntimeProvided(specifier) {
  return specifier.startsWith("@aws-sdk/") || specifier.startsWith("@smithy/");
}

export async function resolve(specifier, context, nextResolve) {
  if (!isBare(specifier)) return nextResolve(specifier, context);
  if (isRuntimeProvided(specifier)) return nextResolve(specifier, { ...context, parentURL: runtimeParent });
  const resolved = await nextResolve(specifier, context);
  if (context.parentURL?.startsWith(taskRoot) && !resolved.url.startsWith(taskRoot)) {
    const error = new Error(
      `Cannot find package '${specifier}' imported from ${context.parentURL}: the Lambda runtime provides only node: built-ins and the AWS SDK v3 (@aws-sdk/*, @smithy/*); bundle it into the function`,
    );
    /** @type {any} */ (error).code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return resolved;
}

/**
 * The module type of a `.js` file as Lambda sees it: from the nearest package.json between the
 * file and the task root, else CommonJS. A project's own package.json ("type": "module") around a
 * cdk.out folder does not exist in /var/task and must not decide it.
 * @param {string} file @param {string} root
 */
export function moduleTypeWithin(file, root) {
  for (let dir = dirname(file); dir.startsWith(root); dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        return JSON.parse(readFileSync(pkg, "utf8")).type === "module" ? "module" : "commonjs";
      } catch {
        return "commonjs";
      }
    }
    if (dirname(dir) === dir) break;
  }
  return "commonjs";
}

export async function load(url, context, nextLoad) {
  if (url.startsWith(taskRoot) && url.endsWith(".js"))
    return nextLoad(url, { ...context, format: moduleTypeWithin(fileURLToPath(url), fileURLToPath(taskRoot)) });
  return nextLoad(url, context);
}
