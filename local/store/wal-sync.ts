/**
 * The durability flush of the write-ahead log, off the event loop. The store's writing connection
 * runs with `synchronous = OFF`: a COMMIT writes its WAL frames to the operating system (they
 * survive kill -9 from that moment) but does not fsync, and the group committer settles the
 * batch's promises only after `sync()` returned: an `fdatasync` of the WAL file run on libuv's
 * thread pool, so HTTP parsing and the next batch go on while the disk flushes. This is the
 * guarantee of `synchronous = FULL` (no answer before the commit is on disk, power loss included),
 * with the wait moved off the main thread. Checkpoints, which copy the WAL into the database file
 * and then let the WAL be overwritten, never run on that connection (`wal_autocheckpoint = 0`):
 * they run on a `synchronous = FULL` connection (checkpointer.ts) that fsyncs before and after.
 */
import { close, closeSync, fdatasync, fstatSync, fsyncSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { StoreError } from "./store-error.ts";

/** A failed fdatasync of the WAL: final, whatever its errno (see `sync`). */
export class WalFlushError extends StoreError {
  override readonly name = "WalFlushError";
}

export class WalSync {
  private readonly fd: number;
  private closed = false;
  private syncs = 0;
  private failure: WalFlushError | undefined;

  /** `walFile` is `<db file>-wal`; it exists while a connection in WAL mode has the database open. */
  constructor(private readonly walFile: string) {
    try {
      this.fd = openSync(walFile, "r");
      // The WAL's directory entry is made durable once (SQLite would do it on its first sync).
      const dir = openSync(dirname(walFile), "r");
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    } catch (error) {
      throw new StoreError(`cannot open the write-ahead log ${walFile}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Resolves once everything written to the WAL before the call is on disk. A failed fdatasync is
   * final: the kernel may have dropped the unwritten pages and a later fdatasync could succeed
   * without them, so every later call fails with the same error (the store answers 503 until restarted).
   */
  sync(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new StoreError(`${this.walFile}: the write-ahead log is closed`));
    return new Promise((resolve, reject) => {
      fdatasync(this.fd, (error) => {
        if (this.failure) reject(this.failure);
        else if (error) {
          this.failure = new WalFlushError(`fdatasync of ${this.walFile} failed: ${error.message}`, { cause: error });
          reject(this.failure);
        } else {
          this.syncs += 1;
          resolve();
        }
      });
    });
  }

  /** Bytes in the WAL file (it grows until a checkpoint lets the writer start it over). */
  size(): number {
    return this.closed ? 0 : fstatSync(this.fd).size;
  }

  count(): number {
    return this.syncs;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    close(this.fd, () => undefined);
  }
}
