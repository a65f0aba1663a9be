/**
 * S3: the `s3rver` npm emulator (objects in a temporary folder, removed on stop), in a child
 * process of its own (s3-server.mjs), proxied by the local endpoint. Started only when a stack
 * declares a bucket.
 *
 * s3rver knows one access key (`S3RVER`) and does not check SigV4 signatures: requests are
 * presented under that key, so any local credentials work, as they do for the other emulators.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EmulatorError } from "../errors.ts";
import { proxyTo } from "./aws-gateway.ts";
import type { RequestHandler, RunningServer } from "./http-service.ts";

export interface S3Emulator {
  readonly handler: RequestHandler;
  stop(): Promise<void>;
}

/** The only access key s3rver accepts. */
export const S3RVER_ACCESS_KEY = "S3RVER";
const SERVER_SCRIPT = fileURLToPath(new URL("./s3-server.mjs", import.meta.url));

/** Rewrites the access key of a SigV4 `Authorization` header (or presigned URL) to the one s3rver knows. */
export function presentAsS3rverKey(req: IncomingMessage): void {
  const auth = req.headers.authorization;
  if (typeof auth === "string")
    req.headers.authorization = auth.replace(/Credential=[^/]+\//, `Credential=${S3RVER_ACCESS_KEY}/`);
  const url = req.url ?? "";
  if (url.includes("X-Amz-Credential="))
    req.url = url.replace(/X-Amz-Credential=[^%&/]+(%2F|\/)/, `X-Amz-Credential=${S3RVER_ACCESS_KEY}$1`);
}

/** s3rver in its own process on 127.0.0.1 (it knows only the access key S3RVER: present that one). */
export async function startS3rverProcess(timeoutMs = 30_000): Promise<RunningServer> {
  try {
    createRequire(import.meta.url).resolve("s3rver/package.json");
  } catch (err) {
    throw new EmulatorError(
      'this stack declares an S3 bucket and the S3 emulator is not installed: the npm package "s3rver" (3.7.1) provides it; run `npm ci` in the project',
      { cause: err },
    );
  }
  const directory = await mkdtemp(join(tmpdir(), "evd-cloud-local-s3-"));
  // No NODE_OPTIONS: loader hooks of the parent (tsx) must not reach s3rver's CommonJS dependencies.
  const { NODE_OPTIONS: _hooks, ...env } = process.env;
  const child = spawn(process.execPath, [SERVER_SCRIPT, directory], { stdio: ["pipe", "pipe", "pipe"], env });
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new EmulatorError(`s3rver did not start within ${timeoutMs} ms: ${output}`)),
      timeoutMs,
    );
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const line = /\{"port":(\d+)\}/.exec(output);
      if (line) {
        clearTimeout(timer);
        resolve(Number(line[1]));
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new EmulatorError(`s3rver exited with ${code}: ${output.slice(-500)}`));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.stdin.end();
          setTimeout(() => child.kill("SIGKILL"), 5000).unref();
        });
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** S3 for the local endpoint: the s3rver process behind a handler that presents its access key. */
export async function s3Emulator(): Promise<S3Emulator> {
  const server = await startS3rverProcess();
  const proxy = proxyTo(server.endpoint);
  return {
    handler: (req, res) => {
      presentAsS3rverKey(req);
      proxy(req, res);
    },
    stop: () => server.stop(),
  };
}
