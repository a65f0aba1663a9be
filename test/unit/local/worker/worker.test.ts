import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { waitFor } from "../../../harness/wait-for.ts";
import type { OrchestratorConfigInput } from "../../../../shared/config/schema.ts";
import type { Job } from "../../../../shared/events/event.ts";
import { createHookBus } from "../../../../shared/hooks/hook-bus.ts";
import type { HookData, HookFn, LifecycleEvent } from "../../../../shared/hooks/lifecycle.ts";
import { silentLogger } from "../../../../shared/logging/logger.ts";
import type { PipelineOutcome, PipelineRunner } from "../../../../shared/pipeline/pipeline-runner.ts";
import { openLocalStore, type LocalStore } from "../../../../local/store/local-store.ts";
import { createWorker, type Worker, type WorkerOptions } from "../../../../local/worker/worker.ts";
import { config, openTemp, submit, tempDir } from "../store/store-fixtures.ts";

/** A pipeline (the port) that counts how many runs overlap, overall and per concurrency key. */
class CountingPipeline implements PipelineRunner {
  running = 0;
  maxRunning = 0;
  readonly runsOf = new Map<string, number>();
  readonly order: string[] = [];
  readonly byKey = new Map<string, number>();
  maxPerKey = 0;
  constructor(
    private readonly behave: (job: Job, run: number) => Promise<PipelineOutcome> | PipelineOutcome = () => ({
      success: true,
      actions_taken: ["echo"],
    }),
  ) {}
  async run(job: Job): Promise<PipelineOutcome> {
    const n = (this.runsOf.get(job.id) ?? 0) + 1;
    this.runsOf.set(job.id, n);
    this.order.push(job.id);
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const key = job.concurrency_key !== undefined ? `${job.handler}/${job.concurrency_key}` : undefined;
    if (key) {
      this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
      this.maxPerKey = Math.max(this.maxPerKey, this.byKey.get(key)!);
    }
    try {
      await new Promise((r) => setTimeout(r, 2));
      return await this.behave(job, n);
    } finally {
      this.running -= 1;
      if (key) this.byKey.set(key, this.byKey.get(key)! - 1);
    }
  }
}

const workers: Worker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop({ timeoutMs: 100 });
});
function startWorker(
  store: LocalStore,
  input: OrchestratorConfigInput,
  pipeline: PipelineRunner,
  hooks: HookFn[] = [],
  extra: Partial<WorkerOptions> = {},
): Worker {
  const w = createWorker({
    store,
    config: config(input),
    pipeline,
    hooks: createHookBus(hooks, silentLogger),
    pollIntervalMs: 60_000,
    random: () => 0.5,
    ...extra,
  });
  workers.push(w);
  return w;
}

describe("worker", () => {
  it("never runs more than max_concurrent_handlers at once, and runs each of 50 jobs once", async () => {
    const input = { max_concurrent_handlers: 3 };
    const store = openTemp(input);
    const pipeline = new CountingPipeline();
    const worker = startWorker(store, input, pipeline);
    await worker.start();
    await Promise.all(Array.from({ length: 50 }, (_, i) => submit(store, `c${i}`)));
    await waitFor(() => store.counts().COMPLETED === 50, "50 completed");
    await worker.stop();
    assert.equal(pipeline.maxRunning, 3);
    assert.equal(pipeline.runsOf.size, 50);
    assert.ok([...pipeline.runsOf.values()].every((n) => n === 1));
    assert.equal((await store.history.list({ status: "succeeded" })).length, 50);
  });

  it("serializes runs per handler + concurrency key, in enqueue order", async () => {
    const input = {
      max_concurrent_handlers: 4,
      handlers: { review: { prompt: "x", concurrency: { key: "{payload.number}" } }, h: { prompt: "y" } },
    };
    const store = openTemp(input);
    const pipeline = new CountingPipeline();
    const worker = startWorker(store, input, pipeline);
    await worker.start();
    for (let i = 0; i < 6; i++) await submit(store, `k${i}`, ["review"], { concurrency_key: String(i % 2) });
    await waitFor(() => store.counts().COMPLETED === 6, "6 completed");
    await worker.stop();
    assert.equal(pipeline.maxPerKey, 1);
    assert.deepEqual(
      pipeline.order.filter((id) => ["k0", "k2", "k4"].includes(id.split("#")[0]!)),
      ["k0#review", "k2#review", "k4#review"],
    );
  });

  it("announces superseded jobs as event:dropped, and runs only the latest", async () => {
    const input = {
      max_concurrent_handlers: 1,
      handlers: {
        review: { prompt: "x", concurrency: { key: "{payload.number}", on_new: "supersede" as const } },
        h: { prompt: "y" },
      },
    };
    const store = openTemp(input);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const pipeline = new CountingPipeline(async (job) => {
      if (job.id === "s0#review") await gate;
      return { success: true, actions_taken: [] };
    });
    const dropped: HookData[] = [];
    const worker = startWorker(store, input, pipeline, [
      (ev: LifecycleEvent, data: HookData) => {
        if (ev === "event:dropped") dropped.push(data);
      },
    ]);
    await worker.start();
    await submit(store, "s0", ["review"], { concurrency_key: "5" });
    await waitFor(() => pipeline.running === 1, "s0 running");
    for (const id of ["s1", "s2", "s3"]) await submit(store, id, ["review"], { concurrency_key: "5" });
    await waitFor(() => dropped.length === 2, "2 drops announced");
    release();
    await waitFor(() => store.counts().COMPLETED === 2, "s0 and s3 completed");
    await worker.stop();
    assert.deepEqual(pipeline.order, ["s0#review", "s3#review"]);
    assert.deepEqual(
      dropped.map((d) => [d.job_id, d.superseded_by, d.event?.id]),
      [
        ["s1#review", "s2#review", "s1"],
        ["s2#review", "s3#review", "s2"],
      ],
    );
  });

  it("retries a failing job with backoff, dead-letters it after max_attempts, and a redrive runs it again", async () => {
    const input = { retry: { max_attempts: 3, initial_delay_ms: 1, max_delay_ms: 5 } };
    const store = openTemp(input);
    let healthy = false;
    const pipeline = new CountingPipeline(() =>
      healthy ? { success: true, actions_taken: [] } : { success: false, actions_taken: [], error: "upstream 503" },
    );
    const worker = startWorker(store, input, pipeline);
    await worker.start();
    await submit(store, "flaky");
    await waitFor(() => store.listDead().length === 1, "dead-lettered");
    assert.equal(pipeline.runsOf.get("flaky#h"), 3);
    assert.deepEqual([store.listDead()[0]?.attempts, store.listDead()[0]?.lastError], [3, "upstream 503"]);
    healthy = true;
    await store.redrive({ id: "flaky#h" });
    await waitFor(() => store.getJob("flaky#h")?.state === "COMPLETED", "completed after redrive");
    await worker.stop();
    assert.equal(pipeline.runsOf.get("flaky#h"), 4);
    assert.deepEqual(
      (await store.history.list({ handler: "h" })).map((r) => [r.status, r.attempt]),
      [
        ["succeeded", 1],
        ["failed", 3],
        ["failed", 2],
        ["failed", 1],
      ],
    );
  });

  it("honours a handler's own retry policy and dead-letters a permanent failure at once", async () => {
    const input = {
      retry: { max_attempts: 5, initial_delay_ms: 1 },
      handlers: { h: { prompt: "x", retry: { max_attempts: 2, initial_delay_ms: 1 } }, other: { prompt: "y" } },
    };
    const store = openTemp(input);
    const pipeline = new CountingPipeline((job) => ({
      success: false,
      actions_taken: [],
      error: "nope",
      permanent: job.handler === "other",
    }));
    const worker = startWorker(store, input, pipeline);
    await worker.start();
    await submit(store, "p", ["h", "other"]);
    await waitFor(() => store.listDead().length === 2, "both dead");
    await worker.stop();
    assert.equal(pipeline.runsOf.get("p#h"), 2);
    assert.equal(pipeline.runsOf.get("p#other"), 1);
  });

  it("records a job a hook skips as SKIPPED, never retried", async () => {
    const store = openTemp();
    const pipeline = new CountingPipeline();
    const worker = startWorker(store, {}, pipeline, [
      (ev) => (ev === "event:handler:start" ? { action: "deny", reason: "bot sender" } : undefined),
    ]);
    await worker.start();
    await submit(store, "bot");
    await waitFor(() => store.getJob("bot#h")?.state === "SKIPPED", "skipped");
    await worker.stop();
    assert.equal(pipeline.runsOf.size, 0);
  });

  it("stop lets running jobs finish within the timeout and puts back the rest", async () => {
    const store = openTemp({ max_concurrent_handlers: 2 });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const pipeline = new CountingPipeline(async (job) => {
      if (job.id === "slow#h") await gate;
      return { success: true, actions_taken: [] };
    });
    const worker = startWorker(store, { max_concurrent_handlers: 2 }, pipeline);
    await worker.start();
    await submit(store, "slow");
    await waitFor(() => pipeline.running === 1, "slow running");
    await submit(store, "fast");
    await waitFor(() => store.getJob("fast#h")?.state === "COMPLETED", "fast done");
    // COMPLETED is written inside the run; the worker is done with the job once it has settled it.
    await waitFor(() => !worker.running().includes("fast#h"), "fast settled by the worker");
    const report = await worker.stop({ timeoutMs: 20 });
    assert.deepEqual(report.released, ["slow#h"]);
    assert.deepEqual([store.getJob("slow#h")?.state, store.getJob("slow#h")?.attempts], ["PENDING", 0]);
    assert.equal(worker.state, "stopped");
    release();
    // The released run still finished: its completion is recorded, so it will not run again.
    await waitFor(() => store.getJob("slow#h")?.state === "COMPLETED", "slow completed");
  });

  it("after a crash, runs the interrupted job again on start and every acknowledged job once", async () => {
    const dir = tempDir();
    const crashed = openLocalStore({ dir, config: config() });
    for (let i = 0; i < 5; i++) await submit(crashed, `w${i}`);
    const mid = await crashed.takeNext();
    await crashed.jobs.claim(mid!.id, 600_000, Date.now()); // mid-run when the process died
    await crashed.close();
    const store = openLocalStore({ dir, config: config() });
    const pipeline = new CountingPipeline();
    const worker = startWorker(store, {}, pipeline);
    const recovered = await worker.start();
    assert.deepEqual(recovered.requeued, ["w0#h"]);
    await waitFor(() => store.counts().COMPLETED === 5, "5 completed");
    await worker.stop();
    await store.close();
    assert.equal(pipeline.runsOf.size, 5);
    assert.ok([...pipeline.runsOf.values()].every((n) => n === 1));
  });

  it("treats a run that throws as a retryable failure", async () => {
    const input = { retry: { max_attempts: 2, initial_delay_ms: 1 } };
    const store = openTemp(input);
    let calls = 0;
    const worker = startWorker(store, input, new CountingPipeline(), [], {
      run: async () => {
        calls += 1;
        throw new Error("store unreachable");
      },
    });
    await worker.start();
    await submit(store, "thrown");
    await waitFor(() => store.getJob("thrown#h")?.state === "DEAD", "dead");
    await worker.stop();
    assert.equal(calls, 2);
    assert.match(store.getJob("thrown#h")?.lastError ?? "", /runner error: store unreachable/);
    assert.deepEqual(
      (await store.history.list({ handler: "h" })).map((r) => r.error),
      ["runner error: store unreachable", "runner error: store unreachable"],
    );
  });
});
