/** The embedded store as the runners' `JobSettler` (shared/runner/settle.ts). */
import type { JobSettler } from "../../shared/runner/settle.ts";
import type { LocalStore } from "./local-store.ts";

export function storeSettler(store: Pick<LocalStore, "ack" | "retryLater" | "deadLetter" | "park">): JobSettler {
  return {
    // Waiting at an approval gate: no worker slot held, the row keeps the run's snapshot.
    park: (job, result, parked) => store.park(job.id, result, parked),
    // Nothing ran (a duplicate): the row is already settled.
    ack: async (job, result) => (result ? store.ack(job.id, result) : undefined),
    retryAt: (job, result, at) => store.retryLater(job.id, result, at),
    deadLetter: (job, result) => store.deadLetter(job.id, result),
    // Another runner holds the lease: its row is its to settle.
    leave: async () => undefined,
  };
}
