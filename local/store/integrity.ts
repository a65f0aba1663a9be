/**
 * The store's integrity check at start: `PRAGMA quick_check` reads every page of the file (and
 * its WAL) and verifies the b-tree structure, the records and the page accounting: damaged index
 * or data pages are found before the daemon serves a single request. (It skips the index-vs-table
 * cross-check of `integrity_check`, which is what makes it quick: see the figure in
 * ARCHITECTURE.md.)
 */
import type Database from "better-sqlite3";

export interface IntegrityReport {
  readonly ok: boolean;
  /** SQLite's findings, at most `maxProblems` of them (empty when ok). */
  readonly problems: readonly string[];
  readonly durationMs: number;
}

export function quickCheck(db: Database.Database, maxProblems = 10): IntegrityReport {
  const started = performance.now();
  let problems: string[];
  try {
    const rows = db.pragma(`quick_check(${maxProblems})`) as { quick_check: string }[];
    problems = rows.map((r) => r.quick_check).filter((p) => p !== "ok");
  } catch (error) {
    // A page too damaged to even walk (a broken root page, a header that is not SQLite's).
    problems = [(error as Error).message];
  }
  return { ok: problems.length === 0, problems, durationMs: Math.round(performance.now() - started) };
}

/** The advice every "damaged store" message ends with. */
export function repairAdvice(file: string): string {
  return (
    `To recover: stop any daemon using it, then run \`evd daemon repair\` (same --config): it keeps the damaged file ` +
    `as ${file}.damaged-<time> and rebuilds the store from every record that can still be read. ` +
    "Or start empty: move the evd.db* files aside (events not yet run and the dedupe records are then lost)."
  );
}
