/** In-memory CounterStore (one process: `evd event`, tests). */
import type { CounterChange, CounterOutcome, CounterStore } from "../guardrails/counter-store.ts";

export class MemoryCounterStore implements CounterStore {
  readonly #items = new Map<string, { fields: Record<string, number>; expiresAt: number }>();

  async apply(changes: readonly CounterChange[]): Promise<CounterOutcome> {
    for (const c of changes) {
      const current = this.#items.get(c.key)?.fields[c.field] ?? 0;
      if (c.below !== undefined && !(current < c.below)) return { ok: false, refused: c };
    }
    for (const c of changes) {
      const item = this.#items.get(c.key) ?? { fields: {}, expiresAt: c.expiresAt };
      item.fields[c.field] = (item.fields[c.field] ?? 0) + c.add;
      item.expiresAt = Math.max(item.expiresAt, c.expiresAt);
      this.#items.set(c.key, item);
    }
    return { ok: true };
  }

  async read(key: string): Promise<Readonly<Record<string, number>>> {
    return { ...(this.#items.get(key)?.fields ?? {}) };
  }
}
