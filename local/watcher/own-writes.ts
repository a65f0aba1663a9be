/**
 * The files this daemon's handlers wrote with tool-filesystem, so its file watchers can tell them
 * from anyone else's edits (loop detection, `guardrails.ignore_own_writes`). A job's step observer
 * records each successful write or append: the file's path and the sha256 of what it holds right
 * after. A watcher's change whose path and content hash match one is the handler's own: ignored,
 * or (with `ignore_own_writes: false`) let through with the causation (event depth + 1), so the
 * chain is cut at `max_causation_depth`. A later edit by someone else changes the hash and counts.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Job } from "../../shared/events/event.ts";
import { causedBy, type Causation } from "../../shared/guardrails/causation.ts";
import type { StepObservation, StepObserver } from "../../shared/pipeline/step-observer.ts";
import type { Clock } from "../../shared/ports/clock.ts";

/** How long a write is remembered (far longer than any debounce). */
export const OWN_WRITE_TTL_MS = 10 * 60_000;

export interface OwnWrites {
  /** The observer of one job's steps. */
  observe(job: Job): StepObserver;
  /** The causation of a change when it is one of our writes, as we left it. */
  match(absPath: string, hash: string): Promise<Causation | undefined>;
}

interface Written {
  readonly hash: Promise<string | undefined>;
  readonly causation: Causation;
  readonly at: number;
}

const WRITE_ACTIONS: ReadonlySet<string> = new Set(["write", "append"]);

export function createOwnWrites(opts: { fsRoot: string; clock: Clock; ttlMs?: number }): OwnWrites {
  const ttl = opts.ttlMs ?? OWN_WRITE_TTL_MS;
  const written = new Map<string, Written>();

  function forget(now: number): void {
    for (const [path, w] of written) if (now - w.at > ttl) written.delete(path);
  }

  function record(relPath: string, job: Job): void {
    const abs = resolve(opts.fsRoot, relPath);
    const hash = readFile(abs).then(
      (buf) => createHash("sha256").update(buf).digest("hex"),
      () => undefined,
    );
    written.set(abs, { hash, causation: causedBy(job.event), at: opts.clock.now() });
  }

  return {
    observe(job) {
      const observer: StepObserver = {
        step(start) {
          const observation: StepObservation = {
            prompt() {},
            get nested() {
              return observer;
            },
            end(outcome) {
              if (start.tool !== "tool-filesystem" || !WRITE_ACTIONS.has(start.action ?? "")) return;
              if (outcome.error !== undefined) return;
              const path = (outcome.output as { path?: unknown } | undefined)?.path;
              if (typeof path === "string") record(path, job);
            },
          };
          return observation;
        },
      };
      return observer;
    },
    async match(absPath, hash) {
      forget(opts.clock.now());
      const w = written.get(resolve(absPath));
      if (!w) return undefined;
      return (await w.hash) === hash ? w.causation : undefined;
    },
  };
}
