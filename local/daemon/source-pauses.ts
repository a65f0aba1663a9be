/**
 * Which of the daemon's own sources are paused (from the dashboard). A paused schedule skips its
 * firings and a paused file watcher drops its change sets, with a log line each; nothing else
 * changes, and resuming picks up from the next firing or change. Webhook sources are not paused
 * here: the sender decides when to send (GitHub's "Active" box), and a refused delivery is lost.
 * Kept in `<stateDir>/paused-sources.json`, so a restart keeps a pause.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const PAUSABLE_SOURCE_TYPES: readonly string[] = ["schedule", "file_change"];

export class SourcePauses {
  readonly #file: string | undefined;
  readonly #paused: Set<string>;

  /** @param file where pauses are kept; none: in memory only */
  constructor(file?: string) {
    this.#file = file;
    this.#paused = new Set(file ? readPaused(file) : []);
  }

  isPaused(name: string): boolean {
    return this.#paused.has(name);
  }

  set(name: string, paused: boolean): void {
    if (paused === this.#paused.has(name)) return;
    if (paused) this.#paused.add(name);
    else this.#paused.delete(name);
    if (!this.#file) return;
    mkdirSync(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ paused: [...this.#paused].sort() }, null, 2), { mode: 0o600 });
    renameSync(tmp, this.#file);
  }
}

function readPaused(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  let parsed: { paused?: unknown };
  try {
    parsed = JSON.parse(text) as { paused?: unknown };
  } catch (err) {
    throw new Error(`${file} is not JSON (${(err as Error).message}); fix it, or delete it to resume every source`);
  }
  if (!Array.isArray(parsed.paused) || !parsed.paused.every((p) => typeof p === "string"))
    throw new Error(`${file}: "paused" must be a list of source names; fix it, or delete it to resume every source`);
  return parsed.paused as string[];
}
