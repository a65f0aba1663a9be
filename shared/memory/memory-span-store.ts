/** In-memory SpanStore (tests). */
import type { SpanRecord, SpanStore } from "../tracing/span-record.ts";

export class MemorySpanStore implements SpanStore {
  readonly #spans: SpanRecord[] = [];

  async append(spans: readonly SpanRecord[]): Promise<void> {
    this.#spans.push(...spans);
  }

  async spansOfEvent(eventId: string): Promise<SpanRecord[]> {
    return this.#spans.filter((s) => s.event_id === eventId).sort((a, b) => a.start_ms - b.start_ms);
  }

  all(): SpanRecord[] {
    return [...this.#spans];
  }
}
