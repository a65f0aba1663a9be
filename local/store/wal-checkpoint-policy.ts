/**
 * When to checkpoint the WAL, decided after each durable flush from the WAL file's size:
 * - every `passiveEveryBytes` of growth, a passive checkpoint (copies without blocking anyone);
 * - past `truncateAtBytes`, a passive pass and then a truncating checkpoint (checkpointer.ts)
 *   while the store holds its commits back (`pauseWrites`: writes queue, the event loop never
 *   blocks): the WAL goes back to zero bytes however steady the load, so its size stays bounded
 *   (about the limit plus what is written during one checkpoint);
 * - after `idleMs` without a write, a truncating checkpoint too, so an idle daemon does not keep a
 *   large WAL (nor make the next reader replay it).
 */
import { CheckpointMode, type Checkpointer } from "./checkpointer.ts";

export interface WalCheckpointLimits {
  /** @default 4 MiB (about SQLite's default autocheckpoint of 1000 pages) */
  readonly passiveEveryBytes?: number;
  /** @default 16 MiB */
  readonly truncateAtBytes?: number;
  /** @default 2000 */
  readonly idleMs?: number;
}

export const DEFAULT_PASSIVE_EVERY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_TRUNCATE_AT_BYTES = 16 * 1024 * 1024;
const DEFAULT_IDLE_MS = 2000;

export class WalCheckpointPolicy {
  private readonly passiveEvery: number;
  private readonly truncateAt: number;
  private readonly idleMs: number;
  private nextPassiveAt: number;
  private lastSyncAt = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private truncating = false;
  private closed = false;

  constructor(
    private readonly walSize: () => number,
    private readonly checkpointer: Checkpointer,
    /** Holds the store's commits back while `fn` runs. */
    private readonly pauseWrites: (fn: () => Promise<boolean>) => Promise<boolean>,
    limits: WalCheckpointLimits = {},
  ) {
    this.passiveEvery = limits.passiveEveryBytes ?? DEFAULT_PASSIVE_EVERY_BYTES;
    this.truncateAt = limits.truncateAtBytes ?? DEFAULT_TRUNCATE_AT_BYTES;
    this.idleMs = limits.idleMs ?? DEFAULT_IDLE_MS;
    this.nextPassiveAt = this.passiveEvery;
  }

  /** After each successful flush of the WAL. */
  afterSync(): void {
    if (this.closed) return;
    const size = this.walSize();
    this.lastSyncAt = Date.now();
    if (size >= this.truncateAt) {
      this.nextPassiveAt = this.passiveEvery;
      this.truncate(true);
    } else {
      // The WAL started over (a checkpoint let it): count growth from its new size.
      if (size < this.nextPassiveAt - this.passiveEvery) this.nextPassiveAt = size + this.passiveEvery;
      if (size >= this.nextPassiveAt) {
        this.nextPassiveAt = size + this.passiveEvery;
        this.checkpointer.request();
      }
    }
    if (size > 0) this.armIdle(this.idleMs);
  }

  close(): void {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private armIdle(delayMs: number): void {
    if (this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.closed) return;
      const quietFor = Date.now() - this.lastSyncAt;
      if (quietFor < this.idleMs) return this.armIdle(this.idleMs - quietFor);
      if (this.walSize() > 0) this.truncate(false);
    }, delayMs);
    this.idleTimer.unref();
  }

  /** Truncates the WAL: a passive pass first when it is large (the bulk, nobody waits), then the tail with writes held. */
  private truncate(passiveFirst: boolean): void {
    if (this.truncating || this.closed) return;
    this.truncating = true;
    const passive = passiveFirst ? this.checkpointer.run(CheckpointMode.PASSIVE) : Promise.resolve(true);
    void passive
      .then(() => (this.closed ? false : this.pauseWrites(() => this.checkpointer.run(CheckpointMode.TRUNCATE))))
      .catch(() => false)
      .finally(() => (this.truncating = false));
  }
}
