/**
 * What the webhook server gives a request before its signature is checked. A body has to be read
 * whole before it can be verified, so without limits a crowd of unsigned senders can make the
 * daemon buffer gigabytes (issue 13: 100 connections of 9 MiB took RSS from 127 MiB to 1 GiB):
 * - one budget of bytes buffered across ALL request bodies not yet answered, so memory stays bounded
 *   whatever the number of senders: past it, a request is answered 503 `retry-after` at once;
 * - a cap on open connections (the kernel queues the rest, Node drops the overflow);
 * - timeouts in seconds: headers, the whole request, an idle keep-alive connection.
 */
export interface RequestLimits {
  /** Bytes of request bodies buffered at once, over all requests. @default 32 MiB (three bodies of the default 10 MiB limit) */
  readonly maxBufferedBytes: number;
  /** Open connections. @default 256 */
  readonly maxConnections: number;
  /** From the first byte to the end of the headers. @default 10 s */
  readonly headersTimeoutMs: number;
  /** From the first byte to the end of the body. @default 30 s */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection. @default 5 s */
  readonly keepAliveTimeoutMs: number;
  /** Headers a request may carry; more is a 431, as are 16 KiB of headers. @default 100 */
  readonly maxHeadersCount: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  maxBufferedBytes: 32 * 1024 * 1024,
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeadersCount: 100,
};

/** The shared budget of buffered body bytes: requests reserve what they read and release it when answered. */
export class BodyBudget {
  private used = 0;
  private peak = 0;

  constructor(readonly capacity: number) {}

  /** Takes `bytes` if they fit; false (and nothing taken) when they do not. */
  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /** Whether `bytes` would fit now (an early answer for a declared length). */
  fits(bytes: number): boolean {
    return this.used + bytes <= this.capacity;
  }

  stats(): { used: number; peak: number; capacity: number } {
    return { used: this.used, peak: this.peak, capacity: this.capacity };
  }
}
