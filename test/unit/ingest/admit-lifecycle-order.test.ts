/**
 * The QUEUED lifecycle event goes out before a worker can start the job. The embedded store lets
 * a worker take jobs as soon as they are committed (before the flush that the 202 waits for), so
 * admission announces QUEUED at that moment (SubmitOptions.onAccepted), not after the flush.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createHookBus } from "../../../shared/hooks/hook-bus.ts";
import { LifecycleEvent, type HookFn } from "../../../shared/hooks/lifecycle.ts";
import { AdmissionKind, createAdmission } from "../../../shared/ingest/admit.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { event, job, openTemp } from "../local/store/store-fixtures.ts";

describe("admission and the embedded store", () => {
  it("announces QUEUED before the store wakes its worker for the job", async () => {
    const store = openTemp();
    const order: string[] = [];
    const recordQueued: HookFn = (name, data) => {
      if (name === LifecycleEvent.QUEUED) order.push(`queued ${String((data as { job_id?: string }).job_id)}`);
      return undefined;
    };
    store.onWork(() => order.push("worker woken"));
    const admit = createAdmission({
      route: (e) => [job(e, "h")],
      queue: store,
      hooks: createHookBus([recordQueued], silentLogger),
      clock: systemClock,
      logger: silentLogger,
    });
    const outcome = await admit(event("ordered"));
    assert.equal(outcome.kind, AdmissionKind.ACCEPTED);
    assert.deepEqual(order, ["queued ordered#h", "worker woken"]);
    await store.close();
  });
});
