/**
 * The dashboard's cloud backend (`evd cloud ui`) against the emulators: jobs from the DynamoDB
 * event log and job records (payload and step trace on the job page), a trigger admitted into the
 * queue, dead letters listed with their reason and redriven, schedules paused and resumed, charts
 * from the run history; and the same page served with its login.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CreateScheduleCommand, CreateScheduleGroupCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { after, before, describe, it } from "node:test";
import { cloudDashboardSource } from "../../../local/dashboard/cloud-dashboard-source.ts";
import type { DashboardSource } from "../../../local/dashboard/dashboard-source.ts";
import { serveDashboard, type DashboardServer } from "../../../local/dashboard/dashboard-server.ts";
import { parseConfig } from "../../../shared/config/parse.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { connection, uniqueName } from "../../harness/aws-resources.ts";
import type { AwsTestEnv } from "../../harness/aws-env.ts";
import { startSecretsServer, type SecretsServer } from "../../harness/json-rpc-server.ts";
import { waitFor } from "../../harness/wait-for.ts";
import { cloudFixture, secretIdOf, WEBHOOK_SECRET, type CloudFixture } from "./cloud-fixture.ts";
import { drain, prDelivery, prEventId, PR_CONFIG } from "./delivery-flow.ts";

const CONFIG = {
  ...PR_CONFIG,
  handlers: {
    ...PR_CONFIG.handlers,
    explode: { description: "Always fails: a template names a missing field.", prompt: "{payload.missing}" },
    release: { recipe: "recipes/release.yaml" },
  },
};

/** A staged recipe in Amplifier's format: plan, then ship once someone approves. */
const RELEASE = `
name: release
stages:
  - name: plan
    steps:
      - id: plan
        prompt: "Plan release {{payload.version}}"
    approval:
      required: true
      prompt: "Ship {{payload.version}}?"
  - name: ship
    steps:
      - id: ship
        prompt: "Shipped {{payload.version}}"
`;

export function cloudDashboardSuite(env: () => Promise<AwsTestEnv>): void {
  describe("dashboard: the cloud backend against the emulators", () => {
    let secrets: SecretsServer;
    let cloud: CloudFixture;
    let source: DashboardSource;
    let scheduleName = "";
    let e: AwsTestEnv;

    before(async () => {
      e = await env();
      secrets = await startSecretsServer({
        secrets: { [secretIdOf(CONFIG, "GITHUB_WEBHOOK_SECRET")]: WEBHOOK_SECRET },
      });
      cloud = await cloudFixture(e, {
        config: CONFIG,
        secretsEndpoint: secrets.endpoint,
        maxReceiveCount: 1,
        recipes: { "recipes/release.yaml": RELEASE },
      });
      const scheduler = new SchedulerClient(connection(e, "scheduler"));
      scheduleName = uniqueName("evd-dash");
      await scheduler.send(new CreateScheduleGroupCommand({ Name: "dashboard-test" }));
      await scheduler.send(
        new CreateScheduleCommand({
          Name: scheduleName,
          GroupName: "dashboard-test",
          ScheduleExpression: "cron(0 9 ? * MON *)",
          ScheduleExpressionTimezone: "UTC",
          State: "ENABLED",
          FlexibleTimeWindow: { Mode: "OFF" },
          Target: {
            Arn: "arn:aws:sqs:us-east-1:123456789012:evd-jobs",
            RoleArn: "arn:aws:iam::123456789012:role/evd-scheduler",
            Input: "{}",
          },
        }),
      );
      source = cloudDashboardSource({
        stackName: "EvdDashboardTest",
        resources: {
          tableName: cloud.table.tableName,
          queueUrl: cloud.queues.queueUrl,
          dlqUrl: cloud.queues.dlqUrl,
          scheduleGroup: "dashboard-test",
        },
        table: cloud.table,
        sqs: () => cloud.queues.sqs,
        scheduler: () => scheduler,
        clock: systemClock,
        config: parseConfig(CONFIG, { where: "test config", env: {} }),
      });
    });
    after(() => secrets.stop());

    it("shows a delivered job queued, then succeeded, with its payload and step trace", async () => {
      const d = prDelivery({ number: 31 });
      assert.equal((await cloud.ingest(d.event)).statusCode, 202);
      const queued = (await source.changes(undefined)).jobs.find((j) => j.event_id === prEventId(d.deliveryId));
      assert.equal(queued?.status, "queued");
      assert.equal(queued?.handler, "review");
      assert.equal((await source.overview()).queue_depth, 1);
      await drain(cloud);
      const [job] = await source.listJobs({ handler: "review", status: "succeeded" });
      assert.equal(job?.id, queued!.id);
      assert.equal(job?.attempts, 1);
      assert.ok((job?.duration_ms ?? -1) >= 0);
      const detail = await source.getJob(job!.id);
      assert.equal(detail?.event?.payload.number, 31);
      assert.equal(detail?.runs.length, 1);
      const step = detail!.runs[0]!.steps?.[0];
      assert.match(String((step?.input as { prompt?: string }).prompt), /^Review pull request #31 of /);
      assert.equal(await source.getJob(`${job!.id}-nope`), undefined);
    });

    it("replays a job's logged event as a new job", async () => {
      const [job] = await source.listJobs({ handler: "review", status: "succeeded" });
      const { jobs } = await source.replay(job!.id);
      assert.deepEqual(jobs, [`${job!.id}#replay-1`]);
      await drain(cloud);
      const replayed = await waitFor(
        async () => (await source.listJobs({})).find((j) => j.id === jobs[0] && j.status === "succeeded"),
        "the replay",
      );
      assert.equal(replayed.replay_of, job!.id);
      assert.equal((await source.getJob(jobs[0]!))?.event?.payload.number, 31);
      await assert.rejects(source.replay("nope#review"), /no job "nope#review"/);
    });

    it("triggers a handler through the queue, and knows the config's handlers", async () => {
      assert.deepEqual(
        (await source.listHandlers()).map((h) => h.name),
        ["review", "explode", "release"],
      );
      const t = await source.trigger("review", { number: 77, repo: "octo/dash" });
      assert.equal(t.status, "accepted");
      await drain(cloud);
      const done = await waitFor(
        async () => (await source.listJobs({})).find((j) => j.id === t.jobs[0] && j.status === "succeeded"),
        "the triggered job",
      );
      assert.equal(done.event_source, "dashboard");
      await assert.rejects(source.trigger("nope", {}), /no handler named "nope"|unknown handler/);
    });

    it("lists a run waiting at an approval gate, and approving it lets it finish", async () => {
      const t = await source.trigger("release", { version: "3.1" });
      await drain(cloud);
      const [waiting] = await waitFor(async () => {
        const list = await source.listApprovals();
        return list.length > 0 && list;
      }, "the run at its gate");
      assert.deepEqual([waiting!.job_id, waiting!.stage, waiting!.prompt], [t.jobs[0], "plan", "Ship 3.1?"]);
      assert.equal((await source.overview()).approvals_waiting, 1);
      assert.equal((await source.listJobs({ handler: "release" }))[0]?.status, "waiting_approval");
      await source.decideApproval(waiting!.id, "approve");
      await drain(cloud);
      const done = await waitFor(
        async () => (await source.listJobs({ handler: "release" })).find((j) => j.status === "succeeded"),
        "the approved run to finish",
      );
      assert.equal(done.id, t.jobs[0]);
      assert.deepEqual(await source.listApprovals(), []);
      await assert.rejects(source.decideApproval(waiting!.id, "deny"), /not waiting|already/);
    });

    it("lists a dead letter with its reason and redrives them all", async () => {
      const t = await source.trigger("explode", {});
      await drain(cloud);
      const letters = await waitFor(async () => {
        const l = await source.listDeadLetters();
        return l.length > 0 && l;
      }, "the dead letter");
      assert.equal(letters[0]!.job_id, t.jobs[0]);
      assert.equal(letters[0]!.handler, "explode");
      assert.match(letters[0]!.error ?? "", /payload\.missing/);
      assert.equal((await source.overview()).dead_letters, 1);
      await assert.rejects(source.redrive({ id: letters[0]!.id }), /redriven all together/);
      const r = await source.redrive({ all: true });
      assert.equal(r.redriven, 1);
      await waitFor(async () => (await cloud.depth(cloud.queues.dlqUrl)) === 0, "the DLQ emptied");
      assert.equal(await cloud.depth(), 1, "back on the job queue");
    });

    it("pauses and resumes a schedule (disable / enable)", async () => {
      const [s] = await source.listSources();
      assert.equal(s?.name, scheduleName);
      assert.equal(s?.paused, false);
      assert.equal((await source.setSourcePaused(scheduleName, true)).state, "DISABLED");
      assert.equal((await source.setSourcePaused(scheduleName, false)).paused, false);
    });

    it("charts the runs of the last hour; acknowledgement latency is API Gateway's", async () => {
      const m = await source.metrics(3_600_000);
      const total = m.jobs_per_minute.reduce((n, b) => n + b.succeeded + b.failed + b.other, 0);
      assert.ok(total >= 3, `runs charted: ${total}`);
      assert.deepEqual(
        m.failures_by_handler.find((f) => f.handler === "explode"),
        { handler: "explode", failed: 1, runs: 1 },
      );
      assert.match(m.latency.find((l) => l.name === "ack")?.note ?? "", /API Gateway/);
    });

    it("`evd cloud ui` serves it on 127.0.0.1 with a one-time link, and stops on Ctrl-C", async (t) => {
      if (!e.local || !e.credentials) {
        t.diagnostic("external endpoint: the CLI uses its own credential chain; covered by the test below");
        return;
      }
      const bin = fileURLToPath(new URL("../../../local/cli/bin.mjs", import.meta.url));
      const proc = spawn(
        process.execPath,
        [
          bin,
          "cloud",
          "ui",
          "--table",
          cloud.table.tableName,
          "--queue-url",
          cloud.queues.queueUrl,
          "--dlq-url",
          cloud.queues.dlqUrl,
          "--schedule-group",
          "dashboard-test",
        ],
        {
          env: {
            ...process.env,
            NODE_NO_WARNINGS: "1",
            AWS_REGION: e.region,
            AWS_ACCESS_KEY_ID: e.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: e.credentials.secretAccessKey,
            AWS_ENDPOINT_URL_DYNAMODB: e.endpoints.dynamodb,
            AWS_ENDPOINT_URL_SQS: e.endpoints.sqs,
            AWS_ENDPOINT_URL_SCHEDULER: e.endpoints.scheduler,
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      let err = "";
      proc.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
      proc.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
      const exited = new Promise<number | null>((resolve) => proc.once("exit", resolve));
      try {
        const link = await waitFor(
          () => /open \(logs one browser in, once\): (\S+)/.exec(out)?.[1],
          `the login link\n${err}`,
          {
            timeoutMs: 60_000,
          },
        );
        const login = await fetch(link, { redirect: "manual" });
        assert.equal(login.status, 303);
        const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
        const origin = new URL(link).origin;
        const jobs = (await (await fetch(`${origin}/ui/api/jobs`, { headers: { cookie } })).json()) as {
          handler: string;
        }[];
        assert.ok(
          jobs.some((j) => j.handler === "review"),
          JSON.stringify(jobs),
        );
        const sources = (await (await fetch(`${origin}/ui/api/sources`, { headers: { cookie } })).json()) as {
          name: string;
        }[];
        assert.deepEqual(
          sources.map((x) => x.name),
          [scheduleName],
        );
      } finally {
        proc.kill("SIGINT");
        assert.equal(await exited, 0, err);
      }
    });

    it("serves the same page with its login, reading the stack", async () => {
      let server: DashboardServer | undefined;
      try {
        server = await serveDashboard({ source, logger: silentLogger, pollMs: 1000, loginHint: "" });
        const login = await fetch(server.loginUrl(), { redirect: "manual" });
        assert.equal(login.status, 303);
        const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
        const overview = await fetch(`${server.origin}/ui/api/overview`, { headers: { cookie } });
        const o = (await overview.json()) as { kind: string; title: string; can: { redrive_one: boolean } };
        assert.deepEqual([o.kind, o.title, o.can.redrive_one], ["cloud", "EvdDashboardTest", false]);
        assert.equal((await fetch(`${server.origin}/ui/api/overview`)).status, 401);
      } finally {
        await server?.close();
      }
    });
  });
}
