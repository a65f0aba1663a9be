/** Schema migrations of the embedded store, applied in order and recorded in `schema_migrations`. */
import type Database from "better-sqlite3";
import { GUARDRAIL_TABLES_SQL } from "./guardrail-records.ts";
import { StoreError } from "./store-error.ts";

/** Append only: never edit a migration that has shipped, add the next one. */
export const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        source TEXT NOT NULL,
        json TEXT NOT NULL,
        received_at INTEGER NOT NULL
      );
      CREATE INDEX events_received_at ON events (received_at);

      CREATE TABLE jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        event_id TEXT NOT NULL,
        handler TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        available_at INTEGER NOT NULL,
        lease_expires_at INTEGER,
        claimed INTEGER NOT NULL DEFAULT 0,
        owner TEXT,
        concurrency_key TEXT,
        superseded_by TEXT,
        replay_of TEXT,
        announced INTEGER NOT NULL DEFAULT 1,
        last_error TEXT,
        result_json TEXT,
        enqueued_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX jobs_state_seq ON jobs (state, seq);
      CREATE INDEX jobs_event ON jobs (event_id);
      CREATE INDEX jobs_key ON jobs (handler, concurrency_key, state) WHERE concurrency_key IS NOT NULL;
      CREATE INDEX jobs_replay_of ON jobs (replay_of) WHERE replay_of IS NOT NULL;
      CREATE INDEX jobs_unannounced ON jobs (seq) WHERE announced = 0;

      CREATE TABLE history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT,
        event_id TEXT NOT NULL,
        handler TEXT,
        status TEXT,
        started_at INTEGER NOT NULL,
        json TEXT NOT NULL
      );

      CREATE TABLE last_run (
        name TEXT PRIMARY KEY,
        at INTEGER NOT NULL
      );

      CREATE TABLE handler_state (
        key TEXT PRIMARY KEY,
        json TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    // Job counts per state kept by triggers, in the same transaction as the change: the intake's
    // capacity check reads one row instead of counting the backlog on every submit.
    version: 2,
    sql: `
      CREATE TABLE job_counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL);
      INSERT INTO job_counts (state, n) VALUES
        ('PENDING', 0), ('RUNNING', 0), ('RETRY_WAIT', 0), ('COMPLETED', 0), ('FAILED', 0), ('DEAD', 0), ('DROPPED', 0), ('SKIPPED', 0);
      UPDATE job_counts SET n = (SELECT count(*) FROM jobs WHERE jobs.state = job_counts.state);
      CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs BEGIN
        UPDATE job_counts SET n = n + 1 WHERE state = NEW.state;
      END;
      CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs BEGIN
        UPDATE job_counts SET n = n - 1 WHERE state = OLD.state;
      END;
      CREATE TRIGGER jobs_count_update AFTER UPDATE OF state ON jobs WHEN OLD.state <> NEW.state BEGIN
        UPDATE job_counts SET n = n - 1 WHERE state = OLD.state;
        UPDATE job_counts SET n = n + 1 WHERE state = NEW.state;
      END;
    `,
  },
  {
    // Approval gates: a run waiting at a gate (PARKED) keeps the gate and its snapshot here; a
    // denied one ends DENIED.
    version: 3,
    sql: `
      ALTER TABLE jobs ADD COLUMN parked_json TEXT;
      INSERT INTO job_counts (state, n) VALUES ('PARKED', 0), ('DENIED', 0);
    `,
  },
  // Budget counters and spans (guardrail-records.ts).
  { version: 4, sql: GUARDRAIL_TABLES_SQL },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function migrate(db: Database.Database, file: string): number {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
  const row = db.prepare("SELECT max(version) AS v FROM schema_migrations").get() as { v: number | null };
  const current = row.v ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new StoreError(
      `${file}: the store has schema version ${current}, newer than this evd understands (${SCHEMA_VERSION}); upgrade evd or use another state directory`,
    );
  }
  const record = db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)");
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, new Date().toISOString());
    })();
  }
  return SCHEMA_VERSION;
}
