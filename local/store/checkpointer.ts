/**
 * WAL checkpoints off the event loop: a `worker_threads` worker holds its own connection to the
 * store (`synchronous = FULL`, so a checkpoint fsyncs the WAL before copying it into the database
 * file and the database file before the WAL may be overwritten) and runs `wal_checkpoint(PASSIVE)`
 * when asked. PASSIVE never waits for the writer, and the writer never waits for it (WAL). The
 * worker starts on the first request (most stores never grow a large WAL) and is unref'd.
 * Its code is plain JavaScript evaluated in the worker, so it needs no TypeScript loader there.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

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
    const [row] = db.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ ok: true, row });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error && error.message || error) });
  }
});
`;

export class Checkpointer {
  private worker: Worker | undefined;
  private busy = false;
  private checkpoints = 0;
  private lastError: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly file: string) {}

  /** Asks for one passive checkpoint unless one is running; never waits for it. */
  request(): void {
    if (this.busy || this.closing) return;
    this.busy = true;
    this.start().postMessage("checkpoint");
  }

  stats(): { checkpoints: number; lastError?: string } {
    return { checkpoints: this.checkpoints, ...(this.lastError ? { lastError: this.lastError } : {}) };
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

  private start(): Worker {
    if (this.worker) return this.worker;
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.file, driver } });
    worker.unref();
    worker.on("message", (msg: { ok?: boolean; error?: string; closed?: boolean }) => {
      if (msg.closed) return;
      this.busy = false;
      if (msg.ok) this.checkpoints += 1;
      else this.lastError = msg.error;
    });
    worker.on("error", (error) => {
      this.lastError = error.message;
    });
    worker.on("exit", () => {
      // A crashed worker is started again by the next request.
      this.busy = false;
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}
