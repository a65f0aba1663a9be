/**
 * The local Lambda host: each environment a worker thread running the function's code as the
 * nodejs runtime does (module + export from the handler string, async or callback handlers, a
 * context with the deadline), and ending it the way Lambda does (timeout, crash, out of memory),
 * with only what the runtime provides besides the function's own code (the AWS SDK).
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { LambdaFunction } from "../../../local/cloud-local/lambda/lambda-function.ts";
import type { FunctionSpec } from "../../../local/cloud-local/lambda/function-spec.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

function spec(codeDir: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    logicalId: "Fn",
    label: "Fn",
    functionName: "local-fn",
    arn: "arn:aws:lambda:us-east-1:000000000000:function:local-fn",
    runtime: "nodejs22.x",
    handler: "index.handler",
    codeDir,
    environment: { GREETING: "hi" },
    timeoutSeconds: 3,
    memoryMb: 128,
    logGroupName: "/aws/lambda/local-fn",
    logStreamName: "stream",
    ...overrides,
  };
}

describe("the local Lambda host", () => {
  let outside: string;
  let inside: string;
  const fns: LambdaFunction[] = [];
  const logs: string[] = [];
  const make = (s: FunctionSpec) => {
    const f = new LambdaFunction(s, { log: (l) => logs.push(l) });
    fns.push(f);
    return f;
  };
  const code = async (dir: string, file: string, text: string) => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, file), text);
    return dir;
  };

  before(async () => {
    outside = await mkdtemp(join(tmpdir(), "evd-lambda-host-"));
    // An asset folder inside the project: its node_modules would resolve any package.
    await mkdir(join(REPO, "test/artifacts"), { recursive: true });
    inside = await mkdtemp(join(REPO, "test/artifacts/lambda-host-"));
  });
  after(async () => {
    await Promise.all(fns.map((f) => f.stop()));
    await rm(outside, { recursive: true, force: true });
    await rm(inside, { recursive: true, force: true });
  });

  it("gives ES modules and CommonJS code the runtime's AWS SDK, wherever the asset folder is", async () => {
    const esm = await code(
      join(outside, "esm"),
      "index.mjs",
      'import { SQSClient } from "@aws-sdk/client-sqs"; export const handler = async (e, c) => ({ sdk: typeof SQSClient, env: process.env.GREETING, name: c.functionName, left: c.getRemainingTimeInMillis() });',
    );
    const r = await make(spec(esm)).invoke({});
    assert.equal(r.ok, true);
    const p = (r as { payload: { sdk: string; env: string; name: string; left: number } }).payload;
    assert.deepEqual([p.sdk, p.env, p.name], ["function", "hi", "local-fn"]);
    assert.ok(p.left > 0 && p.left <= 3000);
    const cjs = await code(
      join(outside, "cjs"),
      "index.js",
      'exports.handler = (event, context, callback) => callback(null, { sdk: typeof require("@aws-sdk/client-sqs").SQSClient, got: event.n });',
    );
    const c = await make(spec(cjs)).invoke({ n: 7 });
    assert.deepEqual(c, { ok: true, payload: { sdk: "function", got: 7 } });
  });

  it("refuses a package the bundle left out, even when the project around the asset folder has it", async () => {
    const esm = await code(
      join(inside, "esm"),
      "index.mjs",
      'import { z } from "zod"; export const handler = async () => typeof z;',
    );
    const e = await make(spec(esm)).prewarm();
    assert.equal(e.ok, false);
    assert.match(
      (e as { error: { errorMessage: string } }).error.errorMessage,
      /Cannot find package 'zod' .*bundle it into the function/,
    );
    const cjs = await code(
      join(inside, "cjs"),
      "index.js",
      'const { z } = require("zod"); exports.handler = async () => typeof z;',
    );
    const c = await make(spec(cjs)).prewarm();
    assert.equal(c.ok, false);
    assert.equal((c as { error: { errorType: string } }).error.errorType, "Runtime.ImportModuleError");
    assert.match((c as { error: { errorMessage: string } }).error.errorMessage, /Cannot find module 'zod'/);
  });

  it("a handler name the module does not export, or a module that does not exist, fails Init", async () => {
    const dir = await code(join(outside, "names"), "index.mjs", "export const handler = async () => 1;");
    const wrong = await make(spec(dir, { handler: "index.main" })).prewarm();
    assert.deepEqual(
      (wrong as { error: { errorType: string; errorMessage: string } }).error.errorType,
      "Runtime.HandlerNotFound",
    );
    const missing = await make(spec(dir, { handler: "app.handler" })).prewarm();
    assert.equal((missing as { error: { errorType: string } }).error.errorType, "Runtime.ImportModuleError");
    const nested = await code(join(outside, "nested"), "index.mjs", "export const api = { v1: async () => 'nested' };");
    assert.deepEqual(await make(spec(nested, { handler: "index.api.v1" })).invoke({}), { ok: true, payload: "nested" });
  });

  it("ends an environment at the deadline, on an unhandled rejection and out of memory; the next invocation gets a new one", async () => {
    const dir = await code(
      join(outside, "ends"),
      "index.mjs",
      `let invocations = 0;
       export const handler = async (event) => {
         invocations++;
         if (event.loop) for (;;) {}
         if (event.reject) { Promise.reject(new Error("nobody waits for me")); await new Promise((r) => setTimeout(r, 200)); }
         if (event.hog) { const keep = []; for (;;) keep.push(new Array(1e6).fill(invocations)); }
         return invocations;
       };`,
    );
    const fn = make(spec(dir, { timeoutSeconds: 1 }));
    assert.deepEqual(await fn.invoke({}), { ok: true, payload: 1 });
    assert.deepEqual(await fn.invoke({}), { ok: true, payload: 2 }, "warm: the same environment");
    const looped = await fn.invoke({ loop: true });
    assert.equal(looped.ok, false);
    assert.match(
      (looped as { error: { errorMessage: string } }).error.errorMessage,
      /Task timed out after 1\.00 seconds/,
    );
    assert.deepEqual(await fn.invoke({}), { ok: true, payload: 1 }, "a fresh environment after the timeout");
    const rejected = await fn.invoke({ reject: true });
    assert.equal((rejected as { error: { errorType: string } }).error.errorType, "Runtime.UnhandledPromiseRejection");
    assert.deepEqual(await fn.invoke({}), { ok: true, payload: 1 });
    const hogged = await make(spec(dir, { timeoutSeconds: 30, memoryMb: 128 })).invoke({ hog: true });
    assert.equal((hogged as { error: { errorType: string } }).error.errorType, "Runtime.OutOfMemory");
  });

  it("reserved concurrency: an invocation beyond it is throttled", async () => {
    const dir = await code(
      join(outside, "slow"),
      "index.mjs",
      "export const handler = () => new Promise((r) => setTimeout(() => r('done'), 300));",
    );
    const fn = make(spec(dir, { reservedConcurrency: 1 }));
    const [a, b] = await Promise.all([fn.invoke({}), fn.invoke({})]);
    assert.deepEqual(a, { ok: true, payload: "done" });
    assert.equal((b as { error: { errorType: string } }).error.errorType, "TooManyRequestsException");
  });
});
