/**
 * What the Lambda nodejs runtime provides to a function besides its own code: the AWS SDK v3
 * (`@aws-sdk/*` and `@smithy/*`, in /var/runtime/node_modules on Lambda). Locally, a folder per
 * process whose node_modules links to those two scopes of evd's own install: CommonJS code finds
 * them through NODE_PATH (as on Lambda), ES modules through runtime-hooks.mjs.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NODE_MODULES = fileURLToPath(new URL("../../../node_modules/", import.meta.url));
const SCOPES = ["@aws-sdk", "@smithy"] as const;

let made: string | undefined;

/** The runtime's node_modules folder (created once per process, removed when it exits). */
export function runtimeNodeModules(): string {
  if (made) return made;
  const root = mkdtempSync(join(tmpdir(), "evd-lambda-runtime-"));
  process.once("exit", () => rmSync(root, { recursive: true, force: true }));
  const modules = join(root, "node_modules");
  mkdirSync(modules);
  for (const scope of SCOPES) symlinkSync(join(PACKAGE_NODE_MODULES, scope), join(modules, scope), "dir");
  made = modules;
  return modules;
}
