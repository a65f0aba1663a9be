/**
 * The `--pid-file` of a background daemon: written by the daemon process itself, refused when it
 * names a live process, removed on stop (only if it still holds our pid).
 */
import { readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export class PidFileError extends Error {
  override readonly name = "PidFileError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True when a process with this pid exists (signal 0 probes without touching it). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid recorded in `file`, or undefined when there is no readable pid. */
export function readPidFile(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Throws when `file` names a live process other than this one. */
export function assertPidFileFree(file: string): void {
  const pid = readPidFile(file);
  if (pid !== undefined && pid !== process.pid && isProcessAlive(pid)) {
    throw new PidFileError(
      `pid file ${file} names process ${pid}, which is running: is a daemon already started? (stop it with \`evd daemon stop\` or remove the file if that process is not the daemon)`,
    );
  }
}

/** Writes our pid to `file` (refusing a live one) and returns a function removing it. */
export function writePidFile(file: string, pid = process.pid): () => void {
  assertPidFileFree(file);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${pid}\n`, { mode: 0o644 });
  return () => {
    if (readPidFile(file) === pid) rmSync(file, { force: true });
  };
}
