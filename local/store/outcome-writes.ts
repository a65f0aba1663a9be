/**
 * The writes that record a run's outcome (its history entry, complete / fail, ack, retry later,
 * dead letter, park) wait out a full disk instead of failing: they are tried again, with a
 * backoff from 50 ms to 2 s, until they commit or the store closes. A job whose run finished while
 * the disk was full is thus recorded (COMPLETED, not left RUNNING to run again after a restart)
 * as soon as space returns. Only transient failures wait (a full disk, another connection's lock);
 * a damaged file or a failed WAL flush fails at once. Intake writes never wait: a webhook gets its
 * 503 at once and the sender retries.
 */
import { isTransientStoreFailure, StoreError } from "./store-error.ts";

const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 2000;

export function waitingOutTransientFailures<T>(
  attempt: () => Promise<T>,
  opts: { readonly closed: () => boolean; readonly what: string },
): Promise<T> {
  return (async () => {
    let delay = FIRST_DELAY_MS;
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        if (!isTransientStoreFailure(error)) throw error;
        if (opts.closed())
          throw new StoreError(`${opts.what}: the store closed while waiting for disk space`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      delay = Math.min(MAX_DELAY_MS, delay * 2);
    }
  })();
}
