/**
 * `evd daemon repair`: rebuilds a damaged store (the daemon refuses to start on one). Run with the
 * state folder's lock held, no daemon running.
 *   1. The damaged files (`evd.db`, `evd.db-wal`) are copied aside first, untouched:
 *      `evd.db.damaged-<time>` (and its `-wal`).
 *   2. Damaged indexes only: `REINDEX` rebuilds them from the tables; if the integrity check then
 *      passes, that is all (nothing lost).
 *   3. Otherwise a new store is built and every row that can still be read is copied into it,
 *      table by table, by rowid ranges (a range that fails is retried row by row, so one bad page
 *      loses only its own rows). The new file then replaces the damaged one.
 * Rows lost with a bad page: events no longer deduplicated (a redelivery runs again), jobs no longer
 * queued, history entries gone. The report says how many rowids of each table could not be read.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { quickCheck } from "./integrity.ts";
import { migrate } from "./migrations.ts";
import { StoreError } from "./store-error.ts";
import { securePrivateDatabase } from "./store-files.ts";

/** The tables holding data, in copy order (job_counts is recomputed, schema_migrations rewritten). */
const DATA_TABLES = ["events", "jobs", "history", "last_run", "handler_state"] as const;
const RANGE = 1000;

export const RepairMethod = {
  NOT_NEEDED: "not needed",
  REINDEX: "reindex",
  SALVAGE: "salvage",
} as const;
export type RepairMethod = (typeof RepairMethod)[keyof typeof RepairMethod];

export interface TableSalvage {
  readonly kept: number;
  /** Rowids that could not be read (or ranges that could not be walked at all). */
  readonly unreadable: number;
  readonly error?: string;
}

export interface RepairReport {
  readonly file: string;
  readonly method: RepairMethod;
  /** What the integrity check found before the repair. */
  readonly problems: readonly string[];
  /** Where the damaged files were copied (absent when nothing needed repair). */
  readonly damagedCopy?: string;
  readonly tables?: Readonly<Record<string, TableSalvage>>;
}

function stamp(now: Date): string {
  return now
    .toISOString()
    .replaceAll(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

function copyAside(file: string, now: Date): string {
  const copy = `${file}.damaged-${stamp(now)}`;
  copyFileSync(file, copy);
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
  return copy;
}

function removeStoreFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
}

function columnsOf(db: Database.Database, table: string): string[] {
  return (db.prepare(`PRAGMA main.table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
}

function copyTable(db: Database.Database, table: string): TableSalvage {
  const cols = columnsOf(db, table).join(", ");
  let max: number;
  try {
    max = (db.prepare(`SELECT max(rowid) AS m FROM old.${table}`).get() as { m: number | null }).m ?? 0;
  } catch (error) {
    return { kept: 0, unreadable: 0, error: `cannot walk the table: ${(error as Error).message}` };
  }
  const range = db.prepare(
    `INSERT OR IGNORE INTO main.${table} (${cols}) SELECT ${cols} FROM old.${table} WHERE rowid BETWEEN ? AND ?`,
  );
  const one = db.prepare(
    `INSERT OR IGNORE INTO main.${table} (${cols}) SELECT ${cols} FROM old.${table} WHERE rowid = ?`,
  );
  let kept = 0;
  let unreadable = 0;
  for (let lo = 1; lo <= max; lo += RANGE) {
    const hi = Math.min(max, lo + RANGE - 1);
    try {
      kept += range.run(lo, hi).changes;
      continue;
    } catch {
      // A bad page inside this range: take its rows one by one.
    }
    for (let rowid = lo; rowid <= hi; rowid++) {
      try {
        kept += one.run(rowid).changes;
      } catch {
        unreadable += 1;
      }
    }
  }
  return { kept, unreadable };
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Copies what can be read from `file` (the copy aside stays untouched) into a new store that replaces it. */
function salvage(file: string): Record<string, TableSalvage> {
  const fresh = `${file}.repairing`;
  removeStoreFiles(fresh);
  securePrivateDatabase(fresh);
  const db = new Database(fresh);
  const tables: Record<string, TableSalvage> = {};
  try {
    // A half-built file is thrown away, never used: no journal, no fsync per row (one at the end).
    db.pragma("journal_mode = OFF");
    db.pragma("synchronous = OFF");
    migrate(db, fresh);
    db.prepare("ATTACH DATABASE ? AS old").run(file);
    for (const table of DATA_TABLES) tables[table] = copyTable(db, table);
    db.exec("UPDATE job_counts SET n = (SELECT count(*) FROM jobs WHERE jobs.state = job_counts.state)");
    db.exec("DETACH DATABASE old");
  } finally {
    db.close();
  }
  fsyncPath(fresh);
  removeStoreFiles(file);
  renameSync(fresh, file);
  fsyncPath(dirname(file));
  return tables;
}

/** Repairs `<dir>/evd.db` (see the module comment). The caller holds the state folder's lock. */
export function repairStore(file: string, now = new Date()): RepairReport {
  if (!existsSync(file)) throw new StoreError(`no store to repair: ${file} does not exist`);
  // The copy comes before anything opens the file: opening and closing a WAL database checkpoints it.
  const damagedCopy = copyAside(file, now);
  let problems: readonly string[] = [];
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    problems = quickCheck(db).problems;
    if (problems.length === 0) {
      db.close();
      removeStoreFiles(damagedCopy);
      return { file, method: RepairMethod.NOT_NEEDED, problems };
    }
    db.exec("REINDEX");
    if (quickCheck(db).ok) {
      db.close();
      return { file, method: RepairMethod.REINDEX, problems, damagedCopy };
    }
  } catch (error) {
    if (problems.length === 0) problems = [(error as Error).message];
  } finally {
    if (db?.open) db.close();
  }
  return { file, method: RepairMethod.SALVAGE, problems, damagedCopy, tables: salvage(file) };
}
