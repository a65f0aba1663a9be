/** HandlerStateStore in memory (one-shot runs, tests); values are copied in and out like a real store. */
import type { HandlerStateStore } from "../ports/handler-state-store.ts";

export class MemoryHandlerStateStore implements HandlerStateStore {
  readonly #values = new Map<string, string>();

  async get(handler: string, key: string): Promise<unknown> {
    const json = this.#values.get(`${handler}:${key}`);
    return json === undefined ? undefined : (JSON.parse(json) as unknown);
  }

  async set(handler: string, key: string, value: unknown): Promise<void> {
    if (value === undefined) this.#values.delete(`${handler}:${key}`);
    else this.#values.set(`${handler}:${key}`, JSON.stringify(value));
  }

  /** `<handler>:<key>` -> value, as `evd daemon state --json` shows handler_state. */
  snapshot(): Record<string, unknown> {
    return Object.fromEntries([...this.#values].map(([k, v]) => [k, JSON.parse(v) as unknown]));
  }
}
