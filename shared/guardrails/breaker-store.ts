/**
 * The storm breaker's state port: per source, the count of the current window and the pause.
 * Adapters: memory (the daemon: it is the only admitter of its sources), DynamoDB
 * (shared/aws/dynamo-breaker-store.ts: every ingest and runner container shares it).
 */
export interface SourceHit {
  /** Events of the source in the window, this one included (0 when it is paused: not counted). */
  readonly count: number;
  /** Epoch ms the source's pause ends, when it is paused now. */
  readonly pausedUntil?: number;
}

export interface PausedSource {
  readonly source: string;
  /** Epoch ms the pause started and ends. */
  readonly since: number;
  readonly until: number;
  readonly reason: string;
}

export interface BreakerStore {
  /**
   * One event of `source` at `now`: paused -> not counted, the pause's end answered; otherwise it is
   * counted in the window starting at `windowStart` (a new window starts at 1).
   */
  hit(source: string, windowStart: number, now: number): Promise<SourceHit>;
  /** Pauses the source until `until` (and zeroes its count) unless it is paused now; true when this call paused it. */
  pause(source: string, pause: Omit<PausedSource, "source">): Promise<boolean>;
  /** Ends the pause now (and zeroes the count); true when the source was paused. */
  resume(source: string, now: number): Promise<boolean>;
  /** Sources paused at `now`. */
  paused(now: number): Promise<PausedSource[]>;
}
