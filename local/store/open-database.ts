/**
 * Opening the store's SQLite file: the state folder and the file secured (store-files.ts), the
 * integrity check before anything writes (when asked: the daemon does), the pragmas of durability,
 * the migrations; then the connection's switch to the off-loop WAL flush (wal-sync.ts).
 */
import Database from "better-sqlite3";
import { quickCheck, repairAdvice, type IntegrityReport } from "./integrity.ts";
import { migrate } from "./migrations.ts";
import { StoreCorruptError, StoreError, StoreFailureKind, storeFailureKind } from "./store-error.ts";
import { securePrivateDatabase, securePrivateFolder } from "./store-files.ts";
import { DEFAULT_PASSIVE_EVERY_BYTES } from "./wal-checkpoint-policy.ts";
import { WalSync } from "./wal-sync.ts";

export function openStoreDatabase(
  dir: string,
  file: string,
  opts: { readonly checkIntegrity?: boolean; readonly busyTimeoutMs?: number },
): { db: Database.Database; integrity?: IntegrityReport } {
  let db: Database.Database | undefined;
  let integrity: IntegrityReport | undefined;
  try {
    securePrivateFolder(dir);
    securePrivateDatabase(file);
    db = new Database(file);
    if (opts.checkIntegrity) {
      integrity = quickCheck(db);
      if (!integrity.ok)
        throw new StoreCorruptError(
          `the store ${file} is damaged (integrity check: ${integrity.problems.join("; ")}). Nothing was changed. ${repairAdvice(file)}`,
        );
    }
    // Only a new database takes it (an existing one keeps its page size).
    db.pragma("page_size = 8192");
    db.pragma("journal_mode = WAL");
    // FULL: in WAL mode NORMAL syncs only at checkpoints, so a power loss can lose the last
    // commits; FULL fsyncs the WAL on every commit, so an acknowledged (202) job survives kill -9
    // AND power loss. Group commit (group-commit.ts) pays that fsync once per batch of requests.
    db.pragma("synchronous = FULL");
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    // Statement journals (one per savepoint of a group-commit batch) stay in memory: they only
    // undo a failed statement and play no part in crash recovery.
    db.pragma("temp_store = MEMORY");
    migrate(db, file);
  } catch (error) {
    db?.close();
    if (error instanceof StoreError) throw error;
    if (storeFailureKind(error) === StoreFailureKind.CORRUPT)
      throw new StoreCorruptError(
        `the store ${file} is damaged: ${(error as Error).message}. Nothing was changed. ${repairAdvice(file)}`,
        { cause: error },
      );
    throw new StoreError(`cannot open the store ${file}: ${(error as Error).message}`, { cause: error });
  }
  return { db, ...(integrity ? { integrity } : {}) };
}

/**
 * The fsync of each commit leaves the event loop (wal-sync.ts): the connection commits without
 * syncing and checkpoints run elsewhere. If the WAL file cannot be opened, the connection stays
 * FULL and commits sync in place (undefined).
 */
export function openWalSync(db: Database.Database, file: string): WalSync | undefined {
  let walSync: WalSync;
  try {
    walSync = new WalSync(`${file}-wal`);
  } catch {
    return undefined;
  }
  db.pragma("wal_autocheckpoint = 0");
  db.pragma(`journal_size_limit = ${DEFAULT_PASSIVE_EVERY_BYTES}`);
  db.pragma("synchronous = OFF");
  return walSync;
}
