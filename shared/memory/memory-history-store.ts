/** In-memory HistoryStore: the last `limit` results, newest first on read. */
import type { EventResult } from "../events/event.ts";
import type { HistoryQuery, HistoryStore } from "../ports/history-store.ts";

export class MemoryHistoryStore implements HistoryStore {
  readonly #results: { result: EventResult; seq: number }[] = [];
  readonly #limit: number;
  #seq = 0;

  /** @param limit results kept (oldest evicted first). @default 1000 */
  constructor(limit = 1000) {
    this.#limit = limit;
  }

  async append(result: EventResult): Promise<void> {
    this.#results.push({ result, seq: this.#seq++ });
    if (this.#results.length > this.#limit) this.#results.splice(0, this.#results.length - this.#limit);
  }

  async list(query: HistoryQuery = {}): Promise<EventResult[]> {
    const startedMs = (r: EventResult) => (r.started_at ? Date.parse(r.started_at) : Number.NEGATIVE_INFINITY);
    return this.#results
      .filter(
        ({ result }) =>
          (query.handler === undefined || result.handler === query.handler) &&
          (query.status === undefined || result.status === query.status) &&
          (query.since === undefined || startedMs(result) >= query.since),
      )
      .sort((a, b) => startedMs(b.result) - startedMs(a.result) || b.seq - a.seq)
      .slice(0, query.limit ?? Number.POSITIVE_INFINITY)
      .map(({ result }) => result);
  }
}
