/**
 * The state folder and the store's files on disk: the folder is private to its owner (0700), the
 * database and its WAL and shared-memory files are 0600 (SQLite gives the `-wal` and `-shm` files
 * the database file's mode, so creating that one 0600 first is enough for new stores; older ones
 * are tightened in place). They hold every event's payload and every run's output.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { StoreError } from "./store-error.ts";

export const STATE_DIR_MODE = 0o700;
export const STORE_FILE_MODE = 0o600;

/** Creates the state folder 0700, or tightens an existing one to 0700. */
export function securePrivateFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: STATE_DIR_MODE });
    chmodSync(dir, STATE_DIR_MODE);
  } catch (error) {
    throw new StoreError(`cannot prepare the state folder ${dir}: ${(error as Error).message}`, { cause: error });
  }
}

/** Creates `file` empty with mode 0600 unless it exists; tightens it and its `-wal`/`-shm` to 0600. */
export function securePrivateDatabase(file: string): void {
  try {
    writeFileSync(file, "", { flag: "wx", mode: STORE_FILE_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST")
      throw new StoreError(`cannot create the store ${file}: ${(error as Error).message}`, { cause: error });
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(f)) chmodSync(f, STORE_FILE_MODE);
  }
}
