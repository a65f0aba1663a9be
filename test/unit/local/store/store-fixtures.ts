/** Test fixtures for the embedded store: a fresh store in a temp dir, events and jobs. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { OrchestratorConfig, type OrchestratorConfigInput } from "../../../../shared/config/schema.ts";
import { jobIdOf, type Event, type Job } from "../../../../shared/events/event.ts";
import type { Clock } from "../../../../shared/ports/clock.ts";
import { openLocalStore, type LocalStore } from "../../../../local/store/local-store.ts";

const dirs: string[] = [];
const opened: LocalStore[] = [];
after(async () => {
  for (const s of opened) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "evd-store-"));
  dirs.push(dir);
  return dir;
}

export function config(input: OrchestratorConfigInput = {}): OrchestratorConfig {
  return OrchestratorConfig.parse({ handlers: { h: { prompt: "hi" }, other: { prompt: "yo" } }, ...input });
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000): Clock & { set(t: number): void; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    set: (v) => {
      t = v;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export function openTemp(input: OrchestratorConfigInput = {}, clock?: Clock, dir = tempDir()): LocalStore {
  const store = openLocalStore({ dir, config: config(input), ...(clock ? { clock } : {}) });
  opened.push(store);
  return store;
}

export function event(id: string, payload: Record<string, unknown> = {}): Event {
  return { id, type: "webhook", source: "/hooks/test", payload, timestamp: new Date(1_700_000_000_000).toISOString() };
}

export function job(ev: Event, handler = "h", extra: Partial<Job> = {}): Job {
  return {
    id: jobIdOf(ev.id, handler),
    handler,
    event: ev,
    attempt: 1,
    enqueued_at: new Date(1_700_000_000_000).toISOString(),
    ...extra,
  };
}

/** Submits an event routed to the given handlers. */
export function submit(store: LocalStore, id: string, handlers: readonly string[] = ["h"], extra: Partial<Job> = {}) {
  const ev = event(id);
  return store.submit(
    ev,
    handlers.map((h) => job(ev, h, extra)),
  );
}
