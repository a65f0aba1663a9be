/** In-memory BreakerStore: the daemon's (one process admits every event of its sources) and tests'. */
import type { BreakerStore, PausedSource, SourceHit } from "../guardrails/breaker-store.ts";

interface State {
  windowStart: number;
  count: number;
  pause?: Omit<PausedSource, "source">;
}

export class MemoryBreakerStore implements BreakerStore {
  readonly #sources = new Map<string, State>();

  async hit(source: string, windowStart: number, now: number): Promise<SourceHit> {
    const s = this.#sources.get(source) ?? { windowStart, count: 0 };
    this.#sources.set(source, s);
    if (s.pause && s.pause.until > now) return { count: 0, pausedUntil: s.pause.until };
    if (s.windowStart !== windowStart) {
      s.windowStart = windowStart;
      s.count = 0;
    }
    s.count += 1;
    return { count: s.count };
  }

  async pause(source: string, pause: Omit<PausedSource, "source">): Promise<boolean> {
    const s = this.#sources.get(source) ?? { windowStart: pause.since, count: 0 };
    this.#sources.set(source, s);
    if (s.pause && s.pause.until > pause.since) return false;
    s.pause = { ...pause };
    s.count = 0;
    return true;
  }

  async resume(source: string, now: number): Promise<boolean> {
    const s = this.#sources.get(source);
    if (!s?.pause || s.pause.until <= now) return false;
    delete s.pause;
    s.count = 0;
    return true;
  }

  async paused(now: number): Promise<PausedSource[]> {
    return this.pausedNow(now);
  }

  /** `paused`, synchronously (the daemon's status table). */
  pausedNow(now: number): PausedSource[] {
    return [...this.#sources]
      .filter(([, s]) => s.pause !== undefined && s.pause.until > now)
      .map(([source, s]) => ({ source, ...s.pause! }));
  }
}
