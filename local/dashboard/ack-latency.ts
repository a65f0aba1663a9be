/**
 * The daemon's acknowledgement latency: how long each webhook took from the request reaching the
 * ingest to its 202 (the jobs durably queued). Kept in memory for the dashboard's charts: the
 * newest `capacity` samples, in a ring.
 */
import type { IngestRequest, IngestResponse } from "../../shared/ingest/ingest.ts";
import type { LatencySample } from "./chart-data.ts";

export class AckLatencyRecorder {
  readonly #capacity: number;
  readonly #at: Float64Array;
  readonly #ms: Float64Array;
  #next = 0;
  #size = 0;

  /** @param capacity samples kept (about an hour at 14 webhooks/s by default) */
  constructor(capacity = 50_000) {
    this.#capacity = capacity;
    this.#at = new Float64Array(capacity);
    this.#ms = new Float64Array(capacity);
  }

  record(at: number, ms: number): void {
    this.#at[this.#next] = at;
    this.#ms[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#capacity;
    this.#size = Math.min(this.#size + 1, this.#capacity);
  }

  /** The samples that ended at or after `since` (epoch ms). */
  since(since: number): LatencySample[] {
    const out: LatencySample[] = [];
    for (let i = 0; i < this.#size; i++) {
      const j = (this.#next - this.#size + i + this.#capacity) % this.#capacity;
      if (this.#at[j]! >= since) out.push({ at: this.#at[j]!, ms: this.#ms[j]! });
    }
    return out;
  }
}

/** The ingest, timing every request it acknowledges with 202 into `recorder`. */
export function timedIngest(
  ingest: (req: IngestRequest) => Promise<IngestResponse>,
  recorder: AckLatencyRecorder,
  now: () => number = Date.now,
): (req: IngestRequest) => Promise<IngestResponse> {
  return async (req) => {
    const started = performance.now();
    const res = await ingest(req);
    if (res.status === 202) recorder.record(now(), performance.now() - started);
    return res;
  };
}
