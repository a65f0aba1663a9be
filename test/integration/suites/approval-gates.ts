/**
 * Approval gates in the cloud, on the emulators: a staged recipe's run stops at a gate and waits
 * in the table (no message in flight, no Lambda), `evd cloud approvals` lists it, `evd cloud
 * approve` sends its job again with its resume and the runner continues from the gate to the end,
 * once; `evd cloud deny` ends it (denied, in the history); a gate's timeout decides by its
 * default through the runner's delayed timer messages; a second decision, or one about a job that
 * is not waiting, is refused and changes nothing; duplicates and stale resumes run nothing.
 * The verbs sign as the operator, the runner as itself: the IAM conformance check judges both.
 */
import assert from "node:assert/strict";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";
import { after, before, describe, it } from "node:test";
import { tableRef } from "../../../shared/aws/dynamo-document.ts";
import { DynamoGateStore } from "../../../shared/aws/dynamo-gate-store.ts";
import { manualEventId } from "../../../shared/events/event-id.ts";
import { jobIdOf, type EventResult, type Job } from "../../../shared/events/event.ts";
import type { ParkedJob } from "../../../shared/events/gate-decisions.ts";
import type { CloudContext } from "../../../local/cli/commands/cloud.ts";
import { runCloudCli, type CloudCliRun } from "../../harness/cloud-cli.ts";
import { componentConnectionOf, type AwsTestEnv } from "../../harness/aws-env.ts";
import { Component } from "../../harness/aws-identity.ts";
import { startSecretsServer, type SecretsServer } from "../../harness/json-rpc-server.ts";
import { deleteMessages, receiveAll, sqsEventOf } from "../../harness/lambda-events.ts";
import { waitFor } from "../../harness/wait-for.ts";
import { cloudFixture, type CloudFixture } from "./cloud-fixture.ts";

const RELEASE = `
name: release
description: Plan, ship, announce, with a person in the loop
version: "1.0.0"
stages:
  - name: plan
    steps:
      - id: plan
        prompt: "Plan release {{payload.version}}"
        output: plan
    approval:
      required: true
      prompt: "Ship this plan? {{plan}}"
  - name: ship
    steps:
      - id: ship
        prompt: "Ship {{plan}}"
        output: shipped
  - name: announce
    approval:
      required: true
      when: before_stage
      prompt: "Announce {{shipped}}?"
      timeout: 1
      default: approve
    steps:
      - id: announce
        prompt: "Announce release {{payload.version}}"
`;

const HOTFIX = `
name: hotfix
stages:
  - name: patch
    steps:
      - id: patch
        prompt: "Patch {{payload.version}}"
    approval:
      required: true
      prompt: "Deploy the patch for {{payload.version}}?"
      timeout: 1
      default: deny
  - name: deploy
    steps:
      - id: deploy
        prompt: "Deploy {{payload.version}}"
`;

const CONFIG = {
  default_provider: "echo",
  sources: [{ type: "manual", handler: "release" }],
  handlers: {
    release: { recipe: "recipes/release.yaml" },
    hotfix: { recipe: "recipes/hotfix.yaml" },
  },
};

/** `s` read literally inside a RegExp (job ids carry `:` and `#`, and may carry `.`). */
const literal = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function approvalGatesSuite(env: () => Promise<AwsTestEnv>): void {
  describe("approval gates in the cloud: park, list, approve, deny, timeout", () => {
    let e: AwsTestEnv;
    let secrets: SecretsServer;
    let cloud: CloudFixture;
    let gates: DynamoGateStore;
    let runner: ReturnType<CloudFixture["runner"]>;

    before(async () => {
      e = await env();
      secrets = await startSecretsServer({ secrets: {} });
      cloud = await cloudFixture(e, {
        config: CONFIG,
        secretsEndpoint: secrets.endpoint,
        recipes: { "recipes/release.yaml": RELEASE, "recipes/hotfix.yaml": HOTFIX },
      });
      gates = new DynamoGateStore({ table: cloud.table });
      runner = cloud.runner();
    });
    after(() => secrets.stop());

    /** `evd cloud ...` as the operator of this deployment. */
    async function cli(args: string[]): Promise<CloudCliRun> {
      const as = (service: "sqs" | "dynamodb" | "scheduler") =>
        componentConnectionOf(e, service, Component.CLI, cloud.deployment.id);
      const context = async (): Promise<CloudContext> => ({
        resources: { tableName: cloud.table.tableName, queueUrl: cloud.queues.queueUrl, dlqUrl: cloud.queues.dlqUrl },
        sqs: () => new SQSClient(as("sqs")),
        scheduler: () => new SchedulerClient(as("scheduler")),
        table: (name) => tableRef(name, as("dynamodb")),
      });
      return runCloudCli(args, context);
    }

    async function trigger(handler: string, id: string, version: string): Promise<string> {
      const r = await cli(["trigger", "--handler", handler, "--id", id, "--payload", JSON.stringify({ version })]);
      assert.equal(r.code, 0, r.err.join("\n"));
      // The trigger's event id is namespaced as manual: its job is `manual:<id>#<handler>`.
      return jobIdOf(manualEventId(id), handler);
    }

    /** One event-source-mapping cycle with the runner; the messages it handled. */
    async function step(): Promise<Message[]> {
      const messages = await receiveAll(cloud.eventSourceSqs, cloud.queues.queueUrl);
      if (messages.length === 0) return [];
      const response = await runner(sqsEventOf(messages, cloud.queueArn));
      assert.deepEqual(response.batchItemFailures, [], "every record handled");
      await deleteMessages(cloud.eventSourceSqs, cloud.queues.queueUrl, messages);
      return messages;
    }

    /** Steps until `count` messages were handled (a receive may return fewer than are waiting). */
    async function stepThrough(count: number): Promise<Message[]> {
      const handled: Message[] = [];
      await waitFor(
        async () => {
          handled.push(...(await step()));
          return handled.length >= count;
        },
        `${count} message(s) handled`,
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      assert.equal(handled.length, count);
      return handled;
    }

    async function listed(): Promise<ParkedJob[]> {
      const r = await cli(["approvals", "--json"]);
      assert.equal(r.code, 0, r.err.join("\n"));
      return JSON.parse(r.out.join("\n")) as ParkedJob[];
    }

    async function runsOf(jobId: string): Promise<EventResult[]> {
      return (await cloud.history.list({ limit: 200 })).filter((r) => r.job_id === jobId);
    }

    /** Polls (a gate's timer is a delayed message) until the job's record is COMPLETED. */
    async function completed(jobId: string): Promise<EventResult> {
      return waitFor(
        async () => {
          await step();
          const record = await cloud.jobs.get(jobId);
          return record?.state === "COMPLETED" ? record.result : undefined;
        },
        `${jobId} completed`,
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    }

    it("parks a run at its gate holding nothing, lists it, and on approve continues it from the gate to the end, once", async () => {
      const jobId = await trigger("release", "rel-1", "1.2.3");
      const [original] = await stepThrough(1);

      // Waiting: its record claimable for the resume, nothing in flight (no Lambda holds it).
      const record = await cloud.jobs.get(jobId);
      assert.equal(record?.state, "FAILED");
      assert.equal(record?.result?.status, "parked");
      assert.equal(await cloud.depth(), 0, "a gate without a timeout leaves no message behind");
      const [waiting, ...others] = await listed();
      assert.equal(others.length, 0);
      assert.equal(waiting!.id, jobId);
      assert.equal(waiting!.handler, "release");
      assert.equal(waiting!.gate.stage, "plan");
      assert.equal(waiting!.gate.when, "after_stage");
      assert.equal(waiting!.gate.prompt, "Ship this plan? [echo model=echo]\nPlan release 1.2.3");
      assert.equal(waiting!.decidesAt, undefined);
      const text = (await cli(["approvals"])).out.join("\n");
      assert.match(text, new RegExp(`${literal(jobId)}\\s+release\\s+plan\\s+after_stage`));
      assert.match(text, new RegExp(`${literal(jobId)} asks:\\n {2}Ship this plan\\?`));
      assert.deepEqual(
        (await cli(["replay", "--status", "failed"])).out,
        ["replayed 0 job(s)"],
        "parked is not failed",
      );

      const approved = await cli(["approve", jobId, "-m", "looks right"]);
      assert.equal(approved.code, 0, approved.err.join("\n"));
      assert.deepEqual(approved.out, [`approved: ${jobId} continues`]);
      for (const verb of ["approve", "deny"]) {
        const again = await cli([verb, jobId]);
        assert.equal(again.code, 2, `${verb} again is refused`);
        assert.match(
          again.err.join(""),
          new RegExp(`job "${literal(jobId)}" is not waiting at an approval gate: it was approved at \\S+ by cli`),
        );
      }
      const missing = await cli(["approve", "nope#release"]);
      assert.equal(missing.code, 2);
      assert.match(missing.err.join(""), /no run of job "nope#release" stopped at an approval gate/);
      assert.equal(await cloud.depth(), 1, "one resume message, whatever was asked again");
      assert.deepEqual(await listed(), []);

      // A duplicate of the first message must not run the recipe again from the top.
      await cloud.queues.sqs.send(
        new SendMessageCommand({ QueueUrl: cloud.queues.queueUrl, MessageBody: original!.Body! }),
      );
      const handled = await stepThrough(2);
      const resume = handled.find((m) => JSON.parse(m.Body!).resume !== undefined)!;
      assert.equal(JSON.parse(resume.Body!).resume.decision.message, "looks right");

      // The resumed run stops at the next gate (before_stage, 1 s timeout, default approve).
      const next = await waitFor(async () => (await listed())[0], "parked at the announce gate");
      assert.equal(next.gate.stage, "announce");
      assert.equal(next.gate.when, "before_stage");
      assert.ok(next.decidesAt, "this gate decides by itself");
      assert.equal(next.gate.prompt, "Announce [echo model=echo]\nShip [echo model=echo]\nPlan release 1.2.3?");

      const result = await completed(jobId);
      assert.equal(result.success, true, result.error ?? "");
      assert.equal(result.status, "succeeded");
      assert.deepEqual(result.actions_taken, [
        "recipe:recipes/release.yaml",
        "prompt:echo",
        "approval:plan:approved",
        "prompt:echo",
        "approval:announce:approved",
        "prompt:echo",
      ]);
      assert.equal(result.output, "[echo model=echo]\nAnnounce release 1.2.3");
      assert.equal((await gates.get(jobId))?.decision?.by, "timeout");
      assert.deepEqual((await runsOf(jobId)).map((r) => r.status).sort(), ["parked", "parked", "succeeded"]);

      // A stale resume (the first gate's) runs nothing: the job completed once.
      await cloud.queues.sqs.send(
        new SendMessageCommand({ QueueUrl: cloud.queues.queueUrl, MessageBody: resume.Body! }),
      );
      await stepThrough(1);
      assert.equal((await runsOf(jobId)).length, 3);
      assert.equal(await cloud.depth(), 0);
      assert.ok(
        cloud.logs.some((l) => /job not run: its resume is not the one its gate's approval allows/.test(l)),
        "the stale resume is logged as such",
      );
    });

    it("ends a run on deny: denied in the history, its job completed, nothing sent; a second decision is refused", async () => {
      const jobId = await trigger("release", "rel-2", "2.0.0");
      await stepThrough(1);
      await waitFor(async () => (await listed()).find((p) => p.id === jobId), "rel-2 waits");
      const denied = await cli(["deny", jobId, "--message", "not this week"]);
      assert.equal(denied.code, 0, denied.err.join("\n"));
      assert.deepEqual(denied.out, [`denied: ${jobId} ended at its gate`]);

      const record = await cloud.jobs.get(jobId);
      assert.equal(record?.state, "COMPLETED");
      assert.equal(record?.result?.status, "denied");
      assert.equal(record?.result?.success, false);
      assert.equal(
        record?.result?.error,
        'denied at the approval gate of stage "plan" (recipe recipes/release.yaml) by cli: not this week',
      );
      const history = await cli(["history", "--status", "denied"]);
      assert.deepEqual(
        history.out.map((l) => (JSON.parse(l) as EventResult).job_id),
        [jobId],
      );
      assert.equal(await cloud.depth(), 0, "a denial sends nothing");
      for (const verb of ["approve", "deny"]) {
        const again = await cli([verb, jobId]);
        assert.equal(again.code, 2);
        assert.match(
          again.err.join(""),
          new RegExp(`job "${literal(jobId)}" is not waiting at an approval gate: it was denied at`),
        );
      }
      assert.equal(await cloud.depth(), 0);
      assert.equal((await cloud.jobs.get(jobId))?.result?.error, record?.result?.error, "nothing changed");
    });

    it("lets a gate's timeout decide by its default (deny) through the runner's timer", async () => {
      const jobId = await trigger("hotfix", "fix-1", "3.0.1");
      await stepThrough(1);
      const waiting = await waitFor(async () => (await listed()).find((p) => p.id === jobId), "fix-1 waits");
      assert.equal(waiting.gate.onTimeout, "deny");
      assert.ok(waiting.decidesAt);
      assert.equal(await cloud.depth(), 1, "the gate's timer, delayed");

      const result = await completed(jobId);
      assert.equal(result.status, "denied");
      assert.equal(
        result.error,
        'denied at the approval gate of stage "patch" (recipe recipes/hotfix.yaml) by timeout: no answer within 1 s: the gate\'s default is deny',
      );
      assert.deepEqual(result.actions_taken, ["recipe:recipes/hotfix.yaml", "prompt:echo"]);
      assert.deepEqual((await runsOf(jobId)).map((r) => r.status).sort(), ["denied", "parked"]);
      assert.equal(await cloud.depth(), 0, "the timer stops once the gate is decided");
      assert.deepEqual(await listed(), []);
    });

    it("sends again an approval whose message could not go out, when approved again; a forged resume runs nothing", async () => {
      const jobId = await trigger("release", "rel-3", "4.0.0");
      const [original] = await stepThrough(1);
      await waitFor(async () => (await listed()).find((p) => p.id === jobId), "rel-3 waits");

      const name = new URL(cloud.queues.queueUrl).pathname.split("/").at(-1)!;
      await cloud.queues.sqs.send(new DeleteQueueCommand({ QueueUrl: cloud.queues.queueUrl }));
      try {
        const lost = await cli(["approve", jobId]);
        assert.equal(lost.code, 1);
        assert.match(
          lost.err.join(""),
          new RegExp(
            `job "${literal(jobId)}" was approved, but its resume message could not be sent \\(.+\\): approve it again to send it`,
          ),
        );
      } finally {
        await cloud.queues.sqs.send(
          new CreateQueueCommand({
            QueueName: name,
            Attributes: {
              VisibilityTimeout: "30",
              RedrivePolicy: JSON.stringify({ deadLetterTargetArn: cloud.queues.dlqArn, maxReceiveCount: 2 }),
            },
          }),
        );
      }
      assert.deepEqual(await listed(), [], "approved: no longer waiting");
      assert.equal((await cli(["deny", jobId])).code, 2, "and no longer deniable");

      // A resume nobody approved (its snapshot altered) is refused by the runner.
      const gate = (await gates.get(jobId))!;
      const forgedParked = {
        ...gate.parked,
        snapshot: { ...gate.parked.snapshot, named: { plan: "something else entirely" } },
      };
      const forged: Job = {
        ...(JSON.parse(original!.Body!) as Job),
        resume: { parked: forgedParked, decision: gate.decision! },
      };
      await cloud.queues.sqs.send(
        new SendMessageCommand({ QueueUrl: cloud.queues.queueUrl, MessageBody: JSON.stringify(forged) }),
      );
      await stepThrough(1);
      assert.deepEqual(
        (await runsOf(jobId)).map((r) => r.status),
        ["parked"],
        "the forged resume ran nothing",
      );
      assert.equal((await cloud.jobs.get(jobId))?.state, "FAILED", "still claimable by the real resume");

      const resent = await cli(["approve", jobId]);
      assert.equal(resent.code, 0, resent.err.join("\n"));
      assert.deepEqual(resent.out, [`approved: ${jobId} (its resume message was sent again)`]);
      const third = await cli(["approve", jobId]);
      assert.equal(third.code, 2, "once sent, approving again is refused");
      assert.match(third.err.join(""), /is not waiting at an approval gate: it was approved at/);

      const result = await completed(jobId);
      assert.equal(result.success, true, result.error ?? "");
      assert.match(String(result.output), /Announce release 4\.0\.0/);
    });
  });
}
