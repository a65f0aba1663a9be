/**
 * The core flow end to end, in memory: a signed, real GitHub delivery through the ingest, its
 * queued job through the runner and the real pipeline (echo provider); a redelivery runs nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestratorConfig } from "../../../shared/config/schema.ts";
import { createHookBus } from "../../../shared/hooks/hook-bus.ts";
import { createIngest } from "../../../shared/ingest/ingest.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { MemoryHistoryStore } from "../../../shared/memory/memory-history-store.ts";
import { MemoryJobQueue } from "../../../shared/memory/memory-job-queue.ts";
import { MemoryJobStore } from "../../../shared/memory/memory-job-store.ts";
import { MemoryLastRunStore } from "../../../shared/memory/memory-last-run-store.ts";
import { MapSecretStore } from "../../../shared/memory/memory-secret-store.ts";
import { createPipelineRunner, mapRecipeSource } from "../../../shared/pipeline/create-pipeline-runner.ts";
import { runJob } from "../../../shared/runner/run-job.ts";
import { githubExample, signedGithubDelivery } from "../../fixtures/github.ts";

describe("ingest -> queue -> runJob", () => {
  it("reviews a pull_request synchronize once, even when GitHub redelivers it", async () => {
    const config = OrchestratorConfig.parse({
      sources: [{ type: "git_pr", events: ["opened", "synchronize"], handler: "review-pr" }],
      handlers: {
        "review-pr": {
          concurrency: { key: "{repo}#{payload.number}", on_new: "supersede" },
          prompt:
            "Review PR #{payload.number} of {repo} ({payload.action}) from {payload.branch} into {payload.base_branch}",
        },
      },
    });
    const secrets = new MapSecretStore({ GITHUB_WEBHOOK_SECRET: "flow-secret" });
    const hooks = createHookBus([], silentLogger);
    const clock = { now: () => Date.parse("2026-08-01T10:00:00Z") };
    const queue = new MemoryJobQueue();
    const ingest = createIngest({ config, queue, secrets, hooks, clock, logger: silentLogger });
    const delivery = signedGithubDelivery({
      event: "pull_request",
      payload: githubExample("pull_request", "synchronize"),
      secret: "flow-secret",
    });
    const request = { method: "POST", path: "/github", headers: delivery.headers, rawBody: Buffer.from(delivery.body) };

    const first = await ingest(request);
    assert.equal(first.status, 202);
    assert.equal((await ingest(request)).body.includes('"duplicate"'), true);

    const deps = {
      jobs: new MemoryJobStore(),
      history: new MemoryHistoryStore(),
      lastRun: new MemoryLastRunStore(),
      pipeline: createPipelineRunner(config, {
        recipes: mapRecipeSource({}),
        secrets,
        filesystemRoot: process.cwd(),
        logger: silentLogger,
      }),
      hooks,
      clock,
      logger: silentLogger,
      leaseMs: 600_000,
    };
    const job = queue.take();
    assert.ok(job);
    assert.equal(job.id, `github:/github:${delivery.deliveryId}#review-pr`);
    assert.equal(job.concurrency_key, "Codertocat/Hello-World#2");
    assert.equal(queue.take(), undefined);

    const outcome = await runJob(job, config, deps);
    assert.equal(outcome.kind, "completed");
    assert.match(
      String(outcome.kind === "completed" && outcome.result.output),
      /Review PR #2 of Codertocat\/Hello-World \(synchronize\) from changes into master/,
    );
    // an SQS-style double delivery of the same job
    assert.deepEqual(await runJob(job, config, deps), { kind: "duplicate" });
    assert.equal((await deps.history.list()).length, 1);
  });
});
