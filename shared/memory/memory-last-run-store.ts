/** In-memory LastRunStore: epoch ms of the last run per schedule name. */
import type { LastRunStore } from "../ports/last-run-store.ts";

export class MemoryLastRunStore implements LastRunStore {
  readonly #runs = new Map<string, number>();

  async get(scheduleName: string): Promise<number | undefined> {
    return this.#runs.get(scheduleName);
  }

  async set(scheduleName: string, at: number): Promise<void> {
    this.#runs.set(scheduleName, at);
  }
}
