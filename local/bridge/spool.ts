/**
 * The bridge's durable spool: a folder of numbered JSON files, one per change set, each written
 * atomically (tmp file + fsync + rename + fsync of the folder), plus an append-only, fsynced log
 * of the job ids already sent. A change set is on disk before anything is sent; it is removed only
 * after every one of its jobs is in the sent log. So a crash at any point either resends the same
 * job ids (the runner's claim dedupes them) or finds them in the sent log and sends nothing.
 *
 *   <dir>/pending/<seq>.json   change sets waiting to be sent, in seq order
 *   <dir>/sent-ids.log         "<iso time>\t<seq>\t<job id>" per line, fsynced on each append
 *   <dir>/rejected/<seq>.json  change sets the queue refused for good (kept for inspection)
 *   <dir>/tmp/                 half-written files (cleared on open)
 *   <dir>/lock                 the pid of the bridge using this spool
 *
 * Why files and not SQLite: the records are written once, read once, deleted once, in order; a
 * folder of small JSON files gives that with plain POSIX guarantees, is readable with `ls` and
 * `cat` while an outage lasts, and needs no native module (better-sqlite3 compiles from source
 * where no prebuilt binary is reachable).
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Job } from "../../shared/events/event.ts";
import { SpoolError } from "./errors.ts";

export const SPOOL_VERSION = 1;

/** One change set as spooled: the jobs exactly as they will be sent (resends are byte-identical). */
export interface SpoolRecord {
  readonly version: typeof SPOOL_VERSION;
  /** Position in the spool; change sets are sent in seq order. */
  readonly seq: number;
  readonly spooled_at: string;
  /** When the files changed (newest modification time of the set, or when the watcher reported it). */
  readonly changed_at: string;
  readonly source: string;
  /** Number of changed files in the set. */
  readonly files: number;
  readonly jobs: readonly Job[];
}

export type SpoolInput = Pick<SpoolRecord, "changed_at" | "source" | "files" | "jobs">;

export type AppendOutcome =
  | { readonly kind: "spooled"; readonly record: SpoolRecord }
  /** Every job of the set was sent before or is already waiting: nothing new to send. */
  | { readonly kind: "duplicate"; readonly jobIds: readonly string[] };

export interface Spool {
  readonly dir: string;
  append(input: SpoolInput): AppendOutcome;
  /** Pending change sets, oldest first. */
  pending(): SpoolRecord[];
  count(): number;
  isSent(jobId: string): boolean;
  /** Durably records that `jobId` (of change set `seq`) reached the queue. */
  markSent(seq: number, jobId: string): void;
  /** Drops a change set whose jobs are all sent. */
  remove(seq: number): void;
  /** Moves a change set the queue refused for good to `rejected/`. */
  reject(seq: number, reason: string): void;
  /** Releases the lock. Everything is already on disk: closing is not needed for durability. */
  close(): void;
}

export interface SpoolOptions {
  readonly dir: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Sent job ids older than this are forgotten when the spool is opened. @default 30 */
  readonly sentRetentionDays?: number;
}

const SEQ_DIGITS = 12;

function seqFile(seq: number): string {
  return `${String(seq).padStart(SEQ_DIGITS, "0")}.json`;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** tmp + fsync + rename + fsync dir: the file is either absent or complete, and survives power loss. */
export function writeFileAtomic(tmpDir: string, target: string, text: string): void {
  const tmp = join(tmpDir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, target);
  fsyncDir(join(target, ".."));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function acquireLock(file: string): void {
  try {
    const fd = openSync(file, "wx", 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST")
      throw new SpoolError(`cannot lock spool ${file}: ${(err as Error).message}`, { cause: err });
  }
  const holder = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && pidAlive(holder)) {
    throw new SpoolError(
      `another bridge (pid ${holder}) is using the spool ${join(file, "..")}; stop it first or give --spool-dir`,
    );
  }
  // Stale lock (the holder died, e.g. kill -9): take it over.
  writeFileAtomic(join(file, "..", "tmp"), file, String(process.pid));
}

interface SentEntry {
  at: number;
  seq: number;
  jobId: string;
}

function readSentLog(file: string): SentEntry[] {
  if (!existsSync(file)) return [];
  const out: SentEntry[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [at, seq, jobId] = line.split("\t");
    // A torn last line (crash mid-append) has no job id: the job is resent, which is allowed.
    if (!at || !seq || !jobId) continue;
    const t = Date.parse(at);
    const s = Number(seq);
    if (Number.isNaN(t) || !Number.isInteger(s)) continue;
    out.push({ at: t, seq: s, jobId });
  }
  return out;
}

function parseRecord(text: string, where: string): SpoolRecord {
  const r = JSON.parse(text) as Partial<SpoolRecord>;
  if (
    r.version !== SPOOL_VERSION ||
    !Number.isInteger(r.seq) ||
    !Array.isArray(r.jobs) ||
    typeof r.source !== "string"
  ) {
    throw new SpoolError(`${where}: not a spool record of version ${SPOOL_VERSION}`);
  }
  return r as SpoolRecord;
}

export function openSpool(options: SpoolOptions): Spool {
  const dir = options.dir;
  const now = options.now ?? (() => new Date());
  const pendingDir = join(dir, "pending");
  const rejectedDir = join(dir, "rejected");
  const tmpDir = join(dir, "tmp");
  const sentFile = join(dir, "sent-ids.log");
  const lockFile = join(dir, "lock");
  try {
    for (const d of [dir, pendingDir, rejectedDir, tmpDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SpoolError(`cannot create the spool folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  acquireLock(lockFile);
  for (const f of readdirSync(tmpDir)) rmSync(join(tmpDir, f), { force: true });

  // Sent ids: load, forget the old ones (rewriting the log atomically when some were dropped).
  const keepAfter = now().getTime() - (options.sentRetentionDays ?? 30) * 86_400_000;
  const entries = readSentLog(sentFile);
  const kept = entries.filter((e) => e.at >= keepAfter);
  let lastSeq = entries.reduce((m, e) => Math.max(m, e.seq), 0);
  if (kept.length !== entries.length) {
    // Keep the newest entry's seq even when it expired, so numbering never goes back.
    const newest = entries.at(-1);
    const lines = kept.map((e) => `${new Date(e.at).toISOString()}\t${e.seq}\t${e.jobId}\n`).join("");
    writeFileAtomic(
      tmpDir,
      sentFile,
      lines || (newest ? `${new Date(newest.at).toISOString()}\t${newest.seq}\t-\n` : ""),
    );
  }
  const sent = new Set(kept.map((e) => e.jobId));

  const pending = new Map<number, SpoolRecord>();
  for (const f of readdirSync(pendingDir)
    .filter((n) => n.endsWith(".json"))
    .sort()) {
    const path = join(pendingDir, f);
    try {
      const rec = parseRecord(readFileSync(path, "utf8"), path);
      pending.set(rec.seq, rec);
      lastSeq = Math.max(lastSeq, rec.seq);
    } catch (err) {
      // Never silently drop: park it where a human can look at it.
      renameSync(path, join(rejectedDir, `${f}.unreadable`));
      process.emitWarning(`evd bridge: unreadable spool file moved to ${rejectedDir}: ${(err as Error).message}`);
    }
  }
  let sentFd: number | undefined = openSync(sentFile, "a", 0o600);

  const pendingJobIds = (): Set<string> => new Set([...pending.values()].flatMap((r) => r.jobs.map((j) => j.id)));

  return {
    dir,
    append(input) {
      const waiting = pendingJobIds();
      const jobs = input.jobs.filter((j) => !sent.has(j.id) && !waiting.has(j.id));
      if (jobs.length === 0) return { kind: "duplicate", jobIds: input.jobs.map((j) => j.id) };
      const record: SpoolRecord = {
        version: SPOOL_VERSION,
        seq: ++lastSeq,
        spooled_at: now().toISOString(),
        ...input,
        jobs,
      };
      try {
        writeFileAtomic(tmpDir, join(pendingDir, seqFile(record.seq)), `${JSON.stringify(record)}\n`);
      } catch (err) {
        lastSeq--;
        throw new SpoolError(`cannot write to the spool ${pendingDir}: ${(err as Error).message}`, { cause: err });
      }
      pending.set(record.seq, record);
      return { kind: "spooled", record };
    },
    pending() {
      return [...pending.values()].sort((a, b) => a.seq - b.seq);
    },
    count() {
      return pending.size;
    },
    isSent(jobId) {
      return sent.has(jobId);
    },
    markSent(seq, jobId) {
      if (sentFd === undefined) throw new SpoolError(`spool ${dir} is closed`);
      writeSync(sentFd, `${now().toISOString()}\t${seq}\t${jobId}\n`);
      fsyncSync(sentFd);
      sent.add(jobId);
    },
    remove(seq) {
      if (!pending.delete(seq)) return;
      unlinkSync(join(pendingDir, seqFile(seq)));
      fsyncDir(pendingDir);
    },
    reject(seq, reason) {
      const rec = pending.get(seq);
      if (!rec) return;
      writeFileAtomic(
        tmpDir,
        join(rejectedDir, seqFile(seq)),
        `${JSON.stringify({ ...rec, rejected_at: now().toISOString(), reason })}\n`,
      );
      pending.delete(seq);
      unlinkSync(join(pendingDir, seqFile(seq)));
      fsyncDir(pendingDir);
    },
    close() {
      if (sentFd === undefined) return;
      closeSync(sentFd);
      sentFd = undefined;
      try {
        if (readFileSync(lockFile, "utf8").trim() === String(process.pid)) unlinkSync(lockFile);
      } catch {
        // already gone
      }
    },
  };
}
