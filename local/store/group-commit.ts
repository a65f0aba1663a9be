/**
 * Group commit: every write of the store is an operation queued here; all operations queued in the
 * same turn of the event loop run in ONE SQLite transaction (one fsync), and each caller's promise
 * settles only after that transaction committed. An operation that throws fails alone: the batch
 * is then run again with a savepoint around each operation. A burst of
 * webhook acknowledgements thus costs one disk flush, not one per request, and no caller is told
 * "done" before its write is durable.
 *
 * With a `sync` option (the store's WAL fdatasync on the thread pool, wal-sync.ts) the connection
 * commits without syncing and the batch settles once a `sync()` started after its COMMIT resolved:
 * the event loop parses requests and commits the next batch while the disk flushes, and one
 * flush covers every batch committed while the previous one ran.
 *
 * An operation queued as `Durability.COMMITTED` (the worker's own bookkeeping: taking, claiming and
 * settling jobs, history) settles as soon as its transaction committed, and commits on the next
 * turn even while a flush runs: it is in the OS (it survives kill -9) and rides the next flush. A
 * power loss can lose it, and then the job runs again, as any interrupted run does (at-least-once);
 * what a sender was told (a 202) is never of this kind. The worker's chain of writes per job thus
 * never waits for the disk, and a flush is paid only by writes that answer someone.
 */
import type Database from "better-sqlite3";
import { StoreError } from "./store-error.ts";

/** When an operation's promise settles: once on disk (the default), or once committed (see above). */
export const Durability = { DURABLE: "durable", COMMITTED: "committed" } as const;
export type Durability = (typeof Durability)[keyof typeof Durability];

export interface RunOptions<T> {
  /** @default Durability.DURABLE */
  readonly durability?: Durability;
  /** Told the operation's value once its transaction committed, before the flush (e.g. to wake a reader). */
  readonly onCommitted?: (value: T) => void;
}

export interface GroupCommitStats {
  /** Committed transactions (each one fsync of the write-ahead log). */
  readonly transactions: number;
  /** Operations committed, over all transactions. */
  readonly operations: number;
  /** The most operations one transaction carried. */
  readonly largestBatch: number;
  /** Durability flushes (only with the `sync` option): each covered one or more transactions. */
  readonly syncs?: number;
}

export interface GroupCommitOptions {
  /**
   * Makes everything committed so far durable (fdatasync of the WAL). Without it the COMMIT itself
   * must be durable (`synchronous = FULL`) and a batch settles right after it.
   */
  readonly sync?: () => Promise<void>;
  /** Called after each successful flush (the store asks for a checkpoint there). */
  readonly afterSync?: () => void;
  /** Called when a batch is durable (committed, and flushed with `sync`). */
  readonly onDurable?: () => void;
  /** Called when a whole batch failed (its commit or its flush): the store's health watches these. */
  readonly onFailure?: (error: unknown) => void;
  /**
   * TEST ONLY: runs before each batch's transaction; what it throws fails the batch as a failed
   * commit would (the reliability suite injects ENOSPC here where it cannot mount a small disk).
   */
  readonly beforeCommit?: () => void;
  /**
   * Called after a commit that starts no flush (only COMMITTED writes): the WAL grew all the same,
   * so the store's checkpoint trigger must see it (a worker draining a backlog writes nothing else).
   */
  readonly afterCommit?: () => void;
}

interface Committed {
  readonly batch: readonly Queued[];
  readonly settled: readonly Settled[];
}

interface Queued {
  readonly op: () => unknown;
  readonly durable: boolean;
  readonly onCommitted?: (value: unknown) => void;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Thrown out of the fast-path transaction to roll it back when one operation failed. */
class OperationFailed extends Error {
  override readonly name = "OperationFailed";
  constructor(cause: unknown) {
    super("an operation of the batch failed", { cause });
  }
}

type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export class GroupCommitter {
  private queue: Queued[] = [];
  private scheduled = false;
  private closed = false;
  private transactions = 0;
  private operations = 0;
  private largestBatch = 0;
  private syncs = 0;
  /** Committed batches waiting for the next flush. */
  private unsynced: Committed[] = [];
  private syncing: Promise<void> | undefined;
  /** Set while commits are held back (a truncating checkpoint needs the write lock for a moment). */
  private paused: Promise<unknown> | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly where: string,
    private readonly options: GroupCommitOptions = {},
  ) {}

  /**
   * Queues `op` (synchronous, runs inside the batch transaction; it may run twice, so it must touch
   * only the database); resolves with its value once committed (and flushed, unless COMMITTED).
   * `onCommitted` is told the value as soon as the transaction committed, before any flush.
   */
  run<T>(op: () => T, options: RunOptions<T> = {}): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError(`${this.where}: the store is closed`));
    const durable = (options.durability ?? Durability.DURABLE) === Durability.DURABLE;
    const onCommitted = options.onCommitted as ((value: unknown) => void) | undefined;
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        op,
        durable,
        ...(onCommitted ? { onCommitted } : {}),
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      // While a flush runs, durable writes wait for it and then commit in one transaction
      // (syncLoop); COMMITTED ones go on the next turn regardless. While commits are paused, all
      // wait for the pause to end.
      if (!this.scheduled && !this.paused && (!this.syncing || !durable)) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now (synchronously); with `sync`, starts the flush that settles it. */
  flush(): void {
    this.scheduled = false;
    // During a flush only COMMITTED writes go now; durable ones follow when it returns.
    this.commitQueued(this.syncing === undefined);
    if (this.unsynced.length > 0 && this.options.sync) this.syncing ??= this.syncLoop(this.options.sync);
  }

  /**
   * Holds commits back while `fn` runs (writes queue meanwhile and commit as one batch after), so
   * another connection can take the write lock without this one blocking the event loop in
   * SQLite's busy handler. Commits resume after `fn` settles, or after `maxMs` at the latest.
   */
  async pauseWhile<T>(fn: () => Promise<T>, maxMs = 2000): Promise<T> {
    if (this.paused) await this.paused.catch(() => undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const work = fn();
    const pause = Promise.race([work, new Promise((r) => (timer = setTimeout(r, maxMs)))]);
    this.paused = pause;
    try {
      await pause;
      return await work;
    } finally {
      clearTimeout(timer);
      if (this.paused === pause) this.paused = undefined;
      if (!this.paused && this.queue.length > 0 && !this.scheduled && !this.syncing) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    }
  }

  private commitQueued(includeDurable = true): void {
    if (this.paused) return;
    let batch = this.queue;
    this.queue = [];
    if (!includeDurable) {
      this.queue = batch.filter((q) => q.durable);
      batch = batch.filter((q) => !q.durable);
    }
    if (batch.length === 0) return;
    let settled: Settled[];
    try {
      this.options.beforeCommit?.();
      settled = this.commit(batch, false);
    } catch (fastPathError) {
      if (!(fastPathError instanceof OperationFailed)) return this.failAll(batch, fastPathError);
      // An operation threw: the whole transaction rolled back. Run the batch again with one
      // SAVEPOINT per operation, so the failing one rolls back alone and the others commit.
      try {
        settled = this.commit(batch, true);
      } catch (error) {
        return this.failAll(batch, error);
      }
    }
    this.transactions += 1;
    this.operations += batch.length;
    this.largestBatch = Math.max(this.largestBatch, batch.length);
    batch.forEach((item, i) => {
      const s = settled[i]!;
      if (item.onCommitted && s.ok) item.onCommitted(s.value);
    });
    if (!this.options.sync) {
      this.options.onDurable?.();
      return settle(batch, settled);
    }
    const durable: Queued[] = [];
    const durableSettled: Settled[] = [];
    batch.forEach((item, i) => {
      if (item.durable) {
        durable.push(item);
        durableSettled.push(settled[i]!);
      } else settle([item], [settled[i]!]);
    });
    if (durable.length > 0) this.unsynced.push({ batch: durable, settled: durableSettled });
    else this.options.afterCommit?.();
  }

  /** One flush at a time; each covers every batch committed before it started. */
  private async syncLoop(sync: () => Promise<void>): Promise<void> {
    while (this.unsynced.length > 0) {
      const covered = this.unsynced;
      this.unsynced = [];
      try {
        await sync();
      } catch (error) {
        // Committed but perhaps not on disk: no caller may be told "done".
        for (const c of covered) this.failAll(c.batch, error);
        if (!this.scheduled) this.commitQueued();
        continue;
      }
      this.syncs += 1;
      this.options.onDurable?.();
      for (const c of covered) settle(c.batch, c.settled);
      this.options.afterSync?.();
      // The writes queued during the flush: one transaction, then the next flush.
      if (!this.scheduled) this.commitQueued();
    }
    this.syncing = undefined;
  }

  /**
   * One transaction over the batch. Fast path (`isolate` false): no savepoints, the first throwing
   * operation aborts the transaction (OperationFailed). Slow path: a savepoint per operation (a
   * nested better-sqlite3 transaction), failures recorded per operation.
   */
  private commit(batch: readonly Queued[], isolate: boolean): Settled[] {
    const settled: Settled[] = [];
    this.db
      .transaction(() => {
        for (const item of batch) {
          if (!isolate) {
            try {
              settled.push({ ok: true, value: item.op() });
            } catch (error) {
              throw new OperationFailed(error);
            }
            continue;
          }
          try {
            settled.push({ ok: true, value: this.db.transaction(item.op)() });
          } catch (error) {
            settled.push({ ok: false, error });
          }
        }
      })
      .immediate();
    return settled;
  }

  private failAll(batch: readonly Queued[], error: unknown): void {
    this.options.onFailure?.(error);
    const failure = new StoreError(
      `${this.where}: commit of ${batch.length} write(s) failed: ${(error as Error).message}`,
      { cause: error },
    );
    for (const item of batch) item.reject(failure);
  }

  stats(): GroupCommitStats {
    return {
      transactions: this.transactions,
      operations: this.operations,
      largestBatch: this.largestBatch,
      ...(this.options.sync ? { syncs: this.syncs } : {}),
    };
  }

  /** Commits what is queued and refuses later writes; resolves once all of it is durable. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.paused) await this.paused.catch(() => undefined);
    this.flush();
    await this.syncing;
  }
}

function settle(batch: readonly Queued[], settled: readonly Settled[]): void {
  batch.forEach((item, i) => {
    const s = settled[i]!;
    if (s.ok) item.resolve(s.value);
    else item.reject(s.error);
  });
}
