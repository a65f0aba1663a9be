/**
 * WAL checkpoints off the event loop: a `worker_threads` worker holds its own connection to the
 * store (`synchronous = FULL`, so a checkpoint fsyncs the WAL before copying it into the database
 * file and the database file before the WAL may be overwritten) and runs a checkpoint when asked.
 *
 * Two kinds (wal-checkpoint-policy.ts decides which):
 * - `passive`: `wal_checkpoint(PASSIVE)` copies what it can without waiting for anyone. Under a
 *   steady writer it never catches up with the end of the WAL, so the WAL never starts over: on
 *   its own it lets the file grow without bound (issue 13: 1.19 GB after 20,000 events).
 * - `truncate`: a passive pass first (the bulk of the copy, nobody waits), then
 *   `wal_checkpoint(TRUNCATE)`, which waits for the writer's current transaction, copies the few
 *   frames written meanwhile, and truncates the WAL to zero bytes. The store's writer waits for it
 *   (its busy timeout) only for that short tail.
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
    let [row] = db.pragma("wal_checkpoint(PASSIVE)");
    if (msg === "truncate") [row] = db.pragma("wal_checkpoint(TRUNCATE)");
    parentPort.postMessage({ ok: row.busy === 0, mode: msg, row, error: row.busy === 0 ? undefined : "busy" });
  } catch (error) {
    parentPort.postMessage({ ok: false, mode: msg, error: String(error && error.message || error) });
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

export class Checkpointer {
  private worker: Worker | undefined;
  private running: CheckpointMode | undefined;
  private pending: CheckpointMode | undefined;
  private checkpoints = 0;
  private truncations = 0;
  private lastError: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly file: string) {}

  /**
   * Asks for one checkpoint; never waits for it. While one runs, a passive request is dropped (the
   * running one does its work) and a truncate is remembered and runs when it ends.
   */
  request(mode: CheckpointMode = CheckpointMode.PASSIVE): void {
    if (this.closing) return;
    if (this.running !== undefined) {
      if (mode === CheckpointMode.TRUNCATE) this.pending = mode;
      return;
    }
    this.running = mode;
    this.start().postMessage(mode);
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
    const worker = this.worker;
    if (!worker) return (this.closing = Promise.resolve());
    this.closing = new Promise<void>((resolve) => {
      worker.ref(); // keeps the process alive until the worker's connection is closed
      worker.once("exit", () => resolve());
      worker.postMessage("close");
    });
    return this.closing;
  }

  private finished(): void {
    this.running = undefined;
    const next = this.pending;
    this.pending = undefined;
    if (next !== undefined) this.request(next);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.file, driver } });
    worker.unref();
    worker.on("message", (msg: { ok?: boolean; mode?: CheckpointMode; error?: string; closed?: boolean }) => {
      if (msg.closed) return;
      if (msg.ok) {
        this.checkpoints += 1;
        if (msg.mode === CheckpointMode.TRUNCATE) this.truncations += 1;
      } else this.lastError = msg.error;
      this.finished();
    });
    worker.on("error", (error) => {
      this.lastError = error.message;
    });
    worker.on("exit", () => {
      // A crashed worker is started again by the next request.
      if (this.worker === worker) this.worker = undefined;
      if (this.running !== undefined) this.finished();
    });
    this.worker = worker;
    return worker;
  }
}
