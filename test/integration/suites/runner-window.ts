/**
 * What the runner Lambda runs at once and for how long, on the emulators:
 * - concurrency truth: a flood of jobs through the event source mapping AS THE STACK CONFIGURES IT
 *   (batch size, maxConcurrency and function timeout read from the synthesized template) never has
 *   more pipelines running at once than `max_concurrent_handlers`, 1 included (AWS's floor for
 *   maxConcurrency is 2);
 * - each job's deadline comes from the invocation's remaining time: a run that would outlive the
 *   function is stopped early enough for its failure to be recorded, and a job that cannot get its
 *   whole timeout after another one ran is offered again to a fresh invocation.
 */
import assert from "node:assert/strict";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { after, before, describe, it } from "node:test";
import { encodeJobMessage } from "../../../shared/aws/job-message.ts";
import type { Job } from "../../../shared/events/event.ts";
import { manualEvent } from "../../../shared/events/manual-event.ts";
import type { PipelineRunner } from "../../../shared/pipeline/pipeline-runner.ts";
import type { AwsTestEnv } from "../../harness/aws-env.ts";
import { eventSourceSettingsOf, lambdaContext, runEventSourceMapping } from "../../harness/event-source-mapping.ts";
import { synthDeployment } from "../../harness/iam-conformance.ts";
import { startSecretsServer, type SecretsServer } from "../../harness/json-rpc-server.ts";
import { receiveAll, sqsEventOf } from "../../harness/lambda-events.ts";
import { cloudFixture, type CloudFixture } from "./cloud-fixture.ts";

const configWith = (maxConcurrent: number, timeoutMs = 300_000) => ({
  max_concurrent_handlers: maxConcurrent,
  sources: [{ type: "manual", handler: "work" }],
  handlers: { work: { prompt: "work on {payload.n}", timeout_ms: timeoutMs } },
  cloud: { batch_size: 5 },
});

function manualJobs(count: number, handler = "work"): Job[] {
  return Array.from({ length: count }, (_, n) => {
    const event = manualEvent({ payload: { n }, now: new Date() });
    return { id: `${event.id}#${handler}`, handler, event, attempt: 1, enqueued_at: new Date().toISOString() };
  });
}

async function enqueue(cloud: CloudFixture, jobs: readonly Job[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += 10) {
    await cloud.cli.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: cloud.queues.queueUrl,
        Entries: jobs.slice(i, i + 10).map((j, n) => {
          const m = encodeJobMessage(j);
          return { Id: String(n), MessageBody: m.body, MessageAttributes: m.attributes };
        }),
      }),
    );
  }
}

/** A pipeline that counts how many runs overlap; each run does `workMs` of (simulated) work. */
function countingPipeline(workMs: number) {
  const state = { running: 0, max: 0, runs: 0 };
  const pipeline: PipelineRunner = {
    async run() {
      state.running++;
      state.max = Math.max(state.max, state.running);
      try {
        await new Promise((r) => setTimeout(r, workMs));
        state.runs++;
        return { success: true, actions_taken: ["worked"], output: "done" };
      } finally {
        state.running--;
      }
    },
  };
  return { pipeline, state };
}

export function runnerWindowSuite(env: () => Promise<AwsTestEnv>): void {
  describe("runner: pipelines at once = max_concurrent_handlers, deadlines from the invocation", () => {
    let secrets: SecretsServer;
    before(async () => {
      secrets = await startSecretsServer({ secrets: {} });
    });
    after(() => secrets.stop());

    for (const [maxConcurrent, jobCount] of [
      [3, 30],
      [1, 12],
    ] as const) {
      it(`floods the runner with ${jobCount} jobs: never more than ${maxConcurrent} pipeline(s) at once`, async () => {
        const config = configWith(maxConcurrent);
        const cloud = await cloudFixture(await env(), { config, secretsEndpoint: secrets.endpoint });
        const settings = eventSourceSettingsOf(await synthDeployment(cloud.deployment));
        const { pipeline, state } = countingPipeline(40);
        const jobs = manualJobs(jobCount);
        await enqueue(cloud, jobs);
        await runEventSourceMapping({
          sqs: cloud.eventSourceSqs,
          queueUrl: cloud.queues.queueUrl,
          queueArn: cloud.queueArn,
          settings,
          container: () => cloud.runner({ pipeline }),
          done: async () => (await cloud.depth()) === 0,
        });
        assert.equal(state.runs, jobCount, "every job ran once");
        assert.ok(
          state.max <= maxConcurrent,
          `${state.max} pipelines ran at once with max_concurrent_handlers ${maxConcurrent} (batch ${settings.batchSize}, maxConcurrency ${settings.maxConcurrency})`,
        );
        if (maxConcurrent > 1) assert.ok(state.max > 1, "the pollers did run in parallel");
        for (const j of jobs) assert.equal((await cloud.jobs.get(j.id))?.state, "COMPLETED");
      });
    }

    it("stops a run at the invocation's deadline and records its failure, so it is retried, not left IN_PROGRESS", async () => {
      const cloud = await cloudFixture(await env(), { config: configWith(2), secretsEndpoint: secrets.endpoint });
      const hanging: PipelineRunner = {
        run: (_job, ctx) =>
          new Promise((resolve) =>
            ctx.signal?.addEventListener("abort", () =>
              resolve({ success: false, actions_taken: [], error: String(ctx.signal?.reason) }),
            ),
          ),
      };
      const [job] = manualJobs(1);
      await enqueue(cloud, [job!]);
      const messages = await receiveAll(cloud.eventSourceSqs, cloud.queues.queueUrl);
      const runner = cloud.runner({ pipeline: hanging, finishMarginMs: 1_000 });
      // 2 s left in the invocation, 1 s kept to record the outcome: the run gets 1 s, not its 300 s.
      const answer = await Promise.race([
        runner(sqsEventOf(messages, cloud.queueArn), lambdaContext(2_000)),
        new Promise<"hung">((r) => setTimeout(() => r("hung"), 15_000).unref()),
      ]);
      assert.notEqual(answer, "hung", "the run outlived the function");
      assert.equal(answer !== "hung" && answer.batchItemFailures.length, 1, "kept for a retry");
      const record = await cloud.jobs.get(job!.id);
      assert.equal(record?.state, "FAILED");
      assert.match(String(record?.result?.error), /runner's time was running out/);
    });

    it("offers a job again, as it is, when another one used the invocation's time and its timeout no longer fits", async () => {
      const cloud = await cloudFixture(await env(), {
        config: configWith(2, 60_000),
        secretsEndpoint: secrets.endpoint,
      });
      const { pipeline, state } = countingPipeline(1);
      const jobs = manualJobs(2);
      await enqueue(cloud, jobs);
      const messages = await receiveAll(cloud.eventSourceSqs, cloud.queues.queueUrl);
      assert.equal(messages.length, 2);
      // The first job starts with 10 minutes left; then only 45 s remain: less than 60 s + the 30 s margin.
      const remaining = [600_000, 45_000];
      const runner = cloud.runner({ pipeline });
      const answer = await runner(
        sqsEventOf(messages, cloud.queueArn),
        lambdaContext(0, () => remaining.shift() ?? 45_000),
      );
      assert.deepEqual(answer.batchItemFailures, [], "both messages are done: one ran, one was re-sent");
      assert.equal(state.runs, 1);
      const again = await receiveAll(cloud.eventSourceSqs, cloud.queues.queueUrl);
      assert.equal(again.length, 1);
      assert.equal(again[0]!.Body, messages[1]!.Body, "the same message body");
      assert.equal(again[0]!.MessageAttributes?.["evd-job-id"]?.StringValue, jobs[1]!.id);
      assert.equal(again[0]!.Attributes?.ApproximateReceiveCount, "1", "a new message: no receive counted");
    });
  });
}
