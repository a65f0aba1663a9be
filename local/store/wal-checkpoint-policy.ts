/**
 * When to checkpoint the WAL, decided after each durable flush from the WAL file's size:
 * - every `passiveEveryBytes` of growth, a passive checkpoint (copies without blocking anyone);
 * - past `truncateAtBytes`, a truncating checkpoint (checkpointer.ts): the WAL goes back to zero
 *   bytes however steady the load, so its size stays bounded (about the limit plus what is written
 *   during one checkpoint);
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
  private closed = false;

  constructor(
    private readonly walSize: () => number,
    private readonly checkpointer: Checkpointer,
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
      this.checkpointer.request(CheckpointMode.TRUNCATE);
    } else {
      // The WAL started over (a checkpoint let it): count growth from its new size.
      if (size < this.nextPassiveAt - this.passiveEvery) this.nextPassiveAt = size + this.passiveEvery;
      if (size >= this.nextPassiveAt) {
        this.nextPassiveAt = size + this.passiveEvery;
        this.checkpointer.request(CheckpointMode.PASSIVE);
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
      if (this.walSize() > 0) this.checkpointer.request(CheckpointMode.TRUNCATE);
    }, delayMs);
    this.idleTimer.unref();
  }
}
