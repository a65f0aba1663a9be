/**
 * Reads a running daemon's store from the bench process (a second, read-only SQLite connection:
 * WAL readers do not block the writer): how many jobs are still to run, and counts to check that
 * nothing was lost or run twice.
 */
import Database from "better-sqlite3";

export interface StoreCounts {
  readonly events: number;
  readonly jobs: number;
  /** Jobs not finished yet (PENDING, RUNNING, RETRY_WAIT, FAILED). */
  readonly unfinished: number;
  readonly completed: number;
  /** Jobs whose run was handed out more than once. */
  readonly retried: number;
  readonly historyRows: number;
  /** History rows beyond one per job id: runs recorded twice. */
  readonly duplicateRuns: number;
}

export class StoreProbe {
  private readonly db: Database.Database;
  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma("busy_timeout = 5000");
  }

  counts(): StoreCounts {
    const one = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    return {
      events: one("SELECT count(*) AS n FROM events"),
      jobs: one("SELECT count(*) AS n FROM jobs"),
      unfinished: one("SELECT count(*) AS n FROM jobs WHERE state IN ('PENDING', 'RUNNING', 'RETRY_WAIT', 'FAILED')"),
      completed: one("SELECT count(*) AS n FROM jobs WHERE state = 'COMPLETED'"),
      retried: one("SELECT count(*) AS n FROM jobs WHERE attempts > 1"),
      historyRows: one("SELECT count(*) AS n FROM history"),
      duplicateRuns: one(
        "SELECT coalesce(sum(n - 1), 0) AS n FROM (SELECT count(*) AS n FROM history GROUP BY job_id)",
      ),
    };
  }

  unfinished(): number {
    return (
      this.db
        .prepare("SELECT count(*) AS n FROM jobs WHERE state IN ('PENDING', 'RUNNING', 'RETRY_WAIT', 'FAILED')")
        .get() as { n: number }
    ).n;
  }

  /** Polls until every job has finished (or `timeoutMs` passed: throws). */
  async drained(timeoutMs: number, everyMs = 50): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.unfinished() > 0) {
      if (Date.now() > deadline) throw new Error(`jobs still unfinished after ${timeoutMs} ms: ${this.unfinished()}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
