/**
 * WAL checkpoints off the event loop: a `worker_threads` worker holds its own connection to the
 * store (`synchronous = FULL`, so a checkpoint fsyncs the WAL before copying it into the database
 * file and the database file before the WAL may be overwritten) and runs checkpoints when asked,
 * one at a time.
 *
 * Two kinds (wal-checkpoint-policy.ts decides which, and when):
 * - `passive`: `wal_checkpoint(PASSIVE)` copies what it can without waiting for anyone. Under a
 *   steady writer it never catches up with the end of the WAL, so the WAL never starts over: on
 *   its own it lets the file grow without bound (issue 13: 1.19 GB after 20,000 events).
 * - `truncate`: `wal_checkpoint(TRUNCATE)` copies what is left and truncates the WAL to zero
 *   bytes. It needs the write lock: the policy runs it right after a passive pass (little left to
 *   copy) while the store holds its own commits back, and it gives up after 250 ms if another
 *   process keeps a read open (tried again later).
 * The worker starts on the first request (most stores never grow a large WAL) and is unref'd.
 * Its code is plain JavaScript evaluated in the worker, so it needs no TypeScript loader there.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

export const CheckpointMode = { PASSIVE: "passive", TRUNCATE: "truncate" } as const;
export type CheckpointMode = (typeof CheckpointMode)[keyof typeof CheckpointMode];

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("synchronous = FULL");
db.pragma("busy_timeout = 5000");
parentPort.on("message", (msg) => {
  if (msg === "close") {
    db.close();
    parentPort.postMessage({ closed: true });
    parentPort.close();
    return;
  }
  try {
    if (msg === "truncate") db.pragma("busy_timeout = 250");
    const [row] = db.pragma(msg === "truncate" ? "wal_checkpoint(TRUNCATE)" : "wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ ok: row.busy === 0, row, error: row.busy === 0 ? undefined : "busy" });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error && error.message || error) });
  } finally {
    if (msg === "truncate") db.pragma("busy_timeout = 5000");
  }
});
`;

export interface CheckpointStats {
  /** Checkpoints that completed (passive or truncate). */
  readonly checkpoints: number;
  /** Of those, the ones that truncated the WAL to zero bytes. */
  readonly truncations: number;
  readonly lastError?: string;
}

interface Reply {
  readonly ok?: boolean;
  readonly error?: string;
  readonly closed?: boolean;
}

export class Checkpointer {
  private worker: Worker | undefined;
  private waiting: ((reply: Reply) => void) | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private inflight = 0;
  private checkpoints = 0;
  private truncations = 0;
  private lastError: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly file: string) {}

  /** Asks for a passive checkpoint unless one is already running or waiting; never waits for it. */
  request(): void {
    if (this.inflight > 0 || this.closing) return;
    void this.run(CheckpointMode.PASSIVE);
  }

  /** Runs one checkpoint after those already asked for; resolves true when it completed. */
  run(mode: CheckpointMode): Promise<boolean> {
    if (this.closing) return Promise.resolve(false);
    this.inflight += 1;
    const done = this.chain.then(() => this.send(mode));
    this.chain = done.catch(() => undefined);
    return done.finally(() => (this.inflight -= 1));
  }

  stats(): CheckpointStats {
    return {
      checkpoints: this.checkpoints,
      truncations: this.truncations,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Lets a running checkpoint finish, closes the worker's connection and the worker. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = this.chain.then(
      () =>
        new Promise<void>((resolve) => {
          const worker = this.worker;
          if (!worker) return resolve();
          worker.ref(); // keeps the process alive until the worker's connection is closed
          worker.once("exit", () => resolve());
          worker.postMessage("close");
        }),
    );
    return this.closing;
  }

  private send(mode: CheckpointMode): Promise<boolean> {
    if (this.closing) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.waiting = (reply) => {
        if (reply.ok) {
          this.checkpoints += 1;
          if (mode === CheckpointMode.TRUNCATE) this.truncations += 1;
        } else this.lastError = reply.error;
        resolve(reply.ok === true);
      };
      this.start().postMessage(mode);
    });
  }

  private answer(reply: Reply): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(reply);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.file, driver } });
    worker.unref();
    worker.on("message", (msg: Reply) => {
      if (!msg.closed) this.answer(msg);
    });
    worker.on("error", (error) => {
      this.lastError = error.message;
    });
    worker.on("exit", () => {
      // A crashed worker is started again by the next request; the checkpoint it ran failed.
      if (this.worker === worker) this.worker = undefined;
      this.answer({ ok: false, error: this.lastError ?? "the checkpoint worker exited" });
    });
    this.worker = worker;
    return worker;
  }
}
