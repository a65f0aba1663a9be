import type { EventResult, RunStatus } from "../events/event.ts";

export interface HistoryQuery {
  readonly limit?: number;
  readonly handler?: string;
  readonly status?: RunStatus;
  /** ISO-8601 or epoch ms lower bound on started_at. */
  readonly since?: number;
}

/** Every run's EventResult, newest first on read. */
export interface HistoryStore {
  append(result: EventResult): Promise<void>;
  list(query?: HistoryQuery): Promise<EventResult[]>;
}
