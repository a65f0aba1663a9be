/**
 * One daemon per state folder. The daemon takes `<stateDir>/daemon.lock` before it touches
 * anything else in the folder (no recovery, no admin.json, no pid file, no store write), and holds
 * it until it has stopped. The lock is an operating-system file lock (SQLite's exclusive lock on an
 * empty database file: POSIX `fcntl` locks on Linux and macOS), so it is released by the kernel
 * when the process dies, even by `kill -9`: there is no stale lock to clean up, and no pid that
 * could have been reused. A second daemon is refused with who holds the folder (from
 * `daemon.json`, which only the holder writes) and changes nothing.
 *
 * Never open the lock file with `node:fs` while a lock may be held in this process: closing any
 * descriptor of a file drops the process's `fcntl` locks on it (SQLite's own connections avoid it).
 */
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { isProcessAlive } from "./pid-file.ts";

export const LOCK_FILE = "daemon.lock";
export const OWNER_FILE = "daemon.json";

/** Who holds the state folder, as the holder describes itself in `daemon.json`. */
export interface LockOwner {
  readonly pid: number;
  readonly started_at: string;
  readonly config?: string;
  readonly webhook_url?: string;
  readonly admin?: string;
}

export class StateFolderLockedError extends Error {
  override readonly name = "StateFolderLockedError";
  constructor(
    readonly stateDir: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(
      `another evd daemon is already running on the state folder ${stateDir} (${describeOwner(owner)}); ` +
        "stop it with `evd daemon stop` (same --config) or give this one another state_file. Nothing was changed.",
    );
  }
}

export class StateFolderLockError extends Error {
  override readonly name = "StateFolderLockError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

function describeOwner(owner: LockOwner | undefined): string {
  if (!owner || !isProcessAlive(owner.pid)) return "its pid is not recorded yet: it is still starting";
  const parts = [`pid ${owner.pid}`, `started ${owner.started_at}`];
  if (owner.webhook_url) parts.push(`webhooks ${owner.webhook_url}`);
  if (owner.admin) parts.push(`admin API ${owner.admin}`);
  if (owner.config) parts.push(`config ${owner.config}`);
  return parts.join(", ");
}

export function readLockOwner(stateDir: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(stateDir, OWNER_FILE), "utf8")) as LockOwner;
    return typeof owner.pid === "number" ? owner : undefined;
  } catch {
    return undefined;
  }
}

export interface StateFolderLock {
  readonly file: string;
  /** Rewrites `daemon.json` (the holder's pid, addresses): only the holder ever writes it. */
  describe(owner: LockOwner): void;
  /** Removes the `daemon.json` it wrote and releases the lock; idempotent. */
  release(): void;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? "";
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

/**
 * Takes the state folder's lock, or throws StateFolderLockedError naming the running daemon.
 * The folder must exist. Never waits: a held lock is refused at once.
 */
export function lockStateFolder(stateDir: string): StateFolderLock {
  const file = join(stateDir, LOCK_FILE);
  try {
    // Created 0600 before SQLite opens it (SQLite would create it 0644); `wx` never opens an existing file.
    writeFileSync(file, "", { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST")
      throw new StateFolderLockError(`cannot create the lock file ${file}: ${(error as Error).message}`, {
        cause: error,
      });
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 0 });
    // Nothing is ever written: the (empty) rollback journal stays in memory, not next to the lock.
    db.pragma("journal_mode = MEMORY");
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db?.close();
    if (isBusy(error)) throw new StateFolderLockedError(stateDir, readLockOwner(stateDir));
    throw new StateFolderLockError(`cannot lock ${file}: ${(error as Error).message}`, { cause: error });
  }
  const held = db;
  chmodSync(file, 0o600);
  const ownerFile = join(stateDir, OWNER_FILE);
  let released = false;
  let described = false;
  return {
    file,
    describe(owner) {
      if (released) return;
      described = true;
      const tmp = `${ownerFile}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(owner, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, ownerFile);
    },
    release() {
      if (released) return;
      released = true;
      if (described) rmSync(ownerFile, { force: true });
      held.close();
    },
  };
}

/** Who holds the folder's lock right now, or undefined when nobody does (takes and drops it to find out). */
export function probeStateFolderLock(stateDir: string): { owner: LockOwner | undefined } | undefined {
  try {
    lockStateFolder(stateDir).release();
    return undefined;
  } catch (error) {
    if (error instanceof StateFolderLockedError) return { owner: error.owner };
    throw error;
  }
}
