/**
 * The store's health as `/healthz` reports it, from what its reads and commits met. A full disk is
 * a passing state (the next commit that succeeds clears it); a damaged file or a failed WAL flush
 * lasts until the daemon is restarted (after `evd daemon repair` for a damaged file).
 */
import { StoreFailureKind, storeFailureKind } from "./store-error.ts";
import { WalFlushError } from "./wal-sync.ts";

export const StoreHealthState = {
  OK: "ok",
  DISK_FULL: "disk_full",
  CORRUPT: "corrupt",
  IO_ERROR: "io_error",
} as const;
export type StoreHealthState = (typeof StoreHealthState)[keyof typeof StoreHealthState];

export interface StoreHealth {
  readonly state: StoreHealthState;
  /** What failed, and what to do about it (absent when ok). */
  readonly detail?: string;
  /** ISO time the current state began (absent when ok). */
  readonly since?: string;
}

const ADVICE: Record<Exclude<StoreHealthState, "ok">, string> = {
  disk_full: "free disk space: writes succeed again by themselves (webhooks get 503 until then)",
  corrupt: "stop the daemon and run `evd daemon repair` (same --config), then start it again",
  io_error: "the disk failed a write; check it, then restart the daemon (committed events are kept)",
};

export class StoreHealthMonitor {
  private health: StoreHealth = { state: StoreHealthState.OK };

  constructor(
    private readonly file: string,
    private readonly now: () => number,
  ) {}

  current(): StoreHealth {
    return this.health;
  }

  /** A read or a commit failed: remember why, unless a lasting state is already recorded. */
  failed(error: unknown): void {
    const state = stateOf(error);
    if (state === undefined) return;
    if (this.health.state === StoreHealthState.CORRUPT || this.health.state === StoreHealthState.IO_ERROR) return;
    if (this.health.state === state) return;
    const reason = error instanceof Error ? error.message : String(error);
    this.health = {
      state,
      detail: `${this.file}: ${reason}; ${ADVICE[state]}`,
      since: new Date(this.now()).toISOString(),
    };
  }

  /** A commit succeeded: a full disk has space again. */
  committed(): void {
    if (this.health.state === StoreHealthState.DISK_FULL) this.health = { state: StoreHealthState.OK };
  }
}

function isWalFlushFailure(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof WalFlushError) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function stateOf(error: unknown): Exclude<StoreHealthState, "ok"> | undefined {
  if (isWalFlushFailure(error)) return StoreHealthState.IO_ERROR;
  switch (storeFailureKind(error)) {
    case StoreFailureKind.DISK_FULL:
      return StoreHealthState.DISK_FULL;
    case StoreFailureKind.CORRUPT:
      return StoreHealthState.CORRUPT;
    case StoreFailureKind.IO:
      return StoreHealthState.IO_ERROR;
    default:
      return undefined;
  }
}
