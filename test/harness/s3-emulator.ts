/**
 * An S3 emulator (s3rver, from npm) on 127.0.0.1, in a child process (s3rver-process.mjs), objects
 * in a temp folder removed on stop. It knows one access key (S3RVER) and does not check SigV4
 * signatures: the recording proxy in front of it records the caller's own key, then presents
 * that one (aws-env.ts).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HarnessError, type RunningServer } from "./dynamo-local.ts";

/** The only access key s3rver accepts. */
export const S3RVER_ACCESS_KEY = "S3RVER";

export async function startS3Emulator(opts: { timeoutMs?: number } = {}): Promise<RunningServer> {
  const directory = await mkdtemp(join(tmpdir(), "evd-s3rver-"));
  const script = fileURLToPath(new URL("./s3rver-process.mjs", import.meta.url));
  const child = spawn(process.execPath, [script, directory], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new HarnessError(`s3rver did not start within ${opts.timeoutMs ?? 20_000} ms: ${output}`)),
      opts.timeoutMs ?? 20_000,
    );
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /port (\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new HarnessError(`s3rver exited with ${code}: ${output}`));
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
