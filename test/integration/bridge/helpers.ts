/**
 * What the bridge tests share: an SQS emulator (local-aws-sqs, the harness's) that can be stopped
 * and started again on the SAME port with its queues and messages kept (the bridge reconnects to
 * the same URL), a config with one file_change source in a temp folder, and queue reading.
 */
import { ReceiveMessageCommand, DeleteMessageBatchCommand, SQSClient, CreateQueueCommand } from "@aws-sdk/client-sqs";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqsServer } from "local-aws-sqs";
import type { Job } from "../../../shared/events/event.ts";
import { FAKE_CREDENTIALS } from "../../harness/aws-env.ts";
import { isolatedAwsEnv } from "../../harness/run-evd.ts";

export const REGION = "us-east-1";

export interface StoppableSqs {
  readonly endpoint: string;
  readonly port: number;
  readonly client: SQSClient;
  createQueue(name: string): Promise<string>;
  /** Closes the listening socket (and open connections): the endpoint refuses connections. */
  stop(): Promise<void>;
  /** Listens again on the same port; queues and messages are where they were. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startStoppableSqs(): Promise<StoppableSqs> {
  const server: Server = await createSqsServer({
    port: 0,
    hostname: "127.0.0.1",
    emulateQueueCreationLifecycle: false,
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new SQSClient({ region: REGION, endpoint, credentials: { ...FAKE_CREDENTIALS } });
  let listening = true;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    endpoint,
    port,
    client,
    async createQueue(name) {
      return (await client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    },
    stop,
    start: () =>
      new Promise<void>((resolve, reject) => {
        if (listening) return resolve();
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
          listening = true;
          server.off("error", reject);
          resolve();
        });
      }),
    async close() {
      await stop();
      client.destroy();
    },
  };
}

/** Receives (and deletes) every message until `count` arrived or `timeoutMs` passed; bodies parsed as Jobs. */
export async function receiveJobs(
  client: SQSClient,
  queueUrl: string,
  count: number,
  timeoutMs = 15_000,
): Promise<Job[]> {
  const jobs: Job[] = [];
  const deadline = Date.now() + timeoutMs;
  while (jobs.length < count && Date.now() < deadline) {
    const out = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const msgs = out.Messages ?? [];
    if (msgs.length === 0) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    for (const m of msgs) jobs.push(JSON.parse(m.Body!) as Job);
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return jobs;
}

/** Everything on the queue now (after a short settle), deleted. */
export async function drainJobs(client: SQSClient, queueUrl: string, settleMs = 500): Promise<Job[]> {
  await new Promise((r) => setTimeout(r, settleMs));
  return receiveJobs(client, queueUrl, Number.MAX_SAFE_INTEGER, 300);
}

export interface Workspace {
  readonly dir: string;
  readonly watched: string;
  readonly configPath: string;
  readonly spoolDir: string;
}

/** A temp folder with `evd.yaml` (one file_change source named `docs` on ./watched, handler `summarize`). */
export async function makeWorkspace(opts: { debounceMs?: number; maxContentBytes?: number } = {}): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), "evd-bridge-"));
  const watched = join(dir, "watched");
  await mkdir(watched);
  const configPath = join(dir, "evd.yaml");
  await writeFile(
    configPath,
    [
      "sources:",
      "  - type: file_change",
      "    name: docs",
      "    path: ./watched",
      `    debounce_ms: ${opts.debounceMs ?? 300}`,
      ...(opts.maxContentBytes !== undefined ? [`    max_content_bytes: ${opts.maxContentBytes}`] : []),
      "    handler: summarize",
      "handlers:",
      "  summarize:",
      "    steps:",
      '      - prompt: "Summarize {changed_files}"',
      "",
    ].join("\n"),
  );
  return { dir, watched, configPath, spoolDir: join(dir, "spool") };
}

/** `evd bridge` as a user runs it, as a child process; its stdout lines collected. */
export interface BridgeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  /** Resolves with the first stdout line matching, from the start of the output. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves once `count` stdout lines match. */
  waitForCount(re: RegExp, count: number, timeoutMs?: number): Promise<string[]>;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/**
 * `aws`: the whole AWS environment of the bridge (nothing of this machine's AWS settings leaks in);
 * default: fake credentials and the test region.
 */
export function spawnBridge(
  args: readonly string[],
  cwd: string,
  aws?: Readonly<Record<string, string>>,
): BridgeProcess {
  const child = spawn(process.execPath, ["local/cli/bin.mjs", "bridge", ...args], {
    cwd,
    env: aws
      ? isolatedAwsEnv(aws)
      : {
          ...process.env,
          AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
          AWS_REGION: REGION,
          NODE_NO_WARNINGS: "1",
        },
  });
  const lines: string[] = [];
  let err = "";
  let partial = "";
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    partial += chunk;
    const parts = partial.split("\n");
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters])
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    stderr: () => err,
    async waitForCount(re, count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.filter((l) => re.test(l));
        if (found.length >= count) return found;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(
            `bridge printed ${found.length} of ${count} lines matching ${re}; stdout:\n${lines.join("\n")}\nstderr:\n${err}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    waitFor(re, timeoutMs = 20_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `bridge printed no line matching ${re} within ${timeoutMs} ms; stdout:\n${lines.join("\n")}\nstderr:\n${err}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`bridge exited before printing ${re}; stdout:\n${lines.join("\n")}\nstderr:\n${err}`));
        });
      });
    },
  };
}

/** The changed paths of a file_change job. */
export function filesOf(job: Job): string[] {
  return job.event.payload.files as string[];
}
