/**
 * `evd cloud local` as a user runs it: the synth of a config, the stack's own Lambda bundles from
 * cdk.out in worker threads, its HTTP API, queues, table, secrets and schedules on local
 * emulators; driven by signed GitHub deliveries, a signed webhook, a schedule firing, the watcher
 * bridge and `evd cloud trigger`, and read back with `evd cloud history|status|dlq`.
 * Two stacks: the pr-review example, and a config with every source type. Plus doctored copies
 * of the synthesized stack, to show that a template/code mismatch fails what this suite checks.
 */
import assert from "node:assert/strict";
import { githubEventId, manualEventId } from "../../shared/events/event-id.ts";
import { cp, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CloudFormationClient, DescribeStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { listDeadLetters } from "../../shared/aws/queue-admin.ts";
import { describeStackOutputs, resourcesFromOutputs } from "../../shared/aws/stack-outputs.ts";
import { signHmacSha256 } from "../../shared/signatures/sign.ts";
import { githubExample, signedGithubDelivery } from "../fixtures/github.ts";
import {
  cloudHistory,
  spawnCloudLocal,
  startCloudLocalProcess,
  waitForRun,
  type CloudLocalProcess,
} from "./helpers/cloud-local-process.ts";
import { post, repoRoot, runCli, tempDir } from "./helpers/daemon-process.ts";
import { waitFor } from "../harness/wait-for.ts";
import { spawnBridge, type BridgeProcess } from "../integration/bridge/helpers.ts";

const GITHUB_SECRET = "e2e-cloud-local-github";
const DEPLOY_SECRET = "e2e-cloud-local-deploy";
const PR_STACK = "EvdPrReview";
const ALL_STACK = "EvdAllSources";
const LOCAL_PORTS = ["--port", "0", "--api-port", "0"];

/** The deploy endpoint the `on-deploy` handler posts to: failing (500) until healed. */
interface FlakyEndpoint {
  readonly url: string;
  readonly host: string;
  readonly calls: string[];
  heal(): void;
  close(): Promise<void>;
}

async function startFlakyEndpoint(): Promise<FlakyEndpoint> {
  let healthy = false;
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      calls.push(body);
      res.writeHead(healthy ? 200 : 500, { "content-type": "application/json" });
      res.end(healthy ? '{"ok":true}' : '{"error":"deploy service down"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}/deploy`,
    host,
    calls,
    heal: () => (healthy = true),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The template properties the "created as declared" test compares. */
interface DeclaredProperties {
  readonly [key: string]: unknown;
  readonly RedrivePolicy?: { readonly maxReceiveCount: number };
  readonly KeySchema?: unknown;
  readonly GlobalSecondaryIndexes?: readonly { readonly IndexName: string; readonly KeySchema: unknown }[];
  readonly TimeToLiveSpecification?: { readonly AttributeName: string };
}

function pushToMain(): Record<string, unknown> {
  const payload = githubExample("push");
  payload.ref = "refs/heads/main";
  return payload;
}

/** The banner's `curl -i -X POST 'URL' -H 'k: v' ... --data-binary 'BODY'` (shell-quoted) as a request. */
function parseCurl(line: string): { url: string; headers: Record<string, string>; body: string } {
  const quoted = "'((?:[^']|'\\\\'')*)'";
  const unquote = (s: string) => s.replaceAll("'\\''", "'");
  const url = unquote(new RegExp(`-X POST ${quoted}`).exec(line)![1]!);
  const headers: Record<string, string> = {};
  for (const m of line.matchAll(new RegExp(`-H ${quoted}`, "g"))) {
    const h = unquote(m[1]!);
    headers[h.slice(0, h.indexOf(":")).toLowerCase()] = h.slice(h.indexOf(":") + 1).trim();
  }
  const body = unquote(new RegExp(`--data-binary ${quoted}`).exec(line)![1]!);
  return { url, headers, body };
}

/** Copies a cloud assembly and rewrites its template (a stack whose template and code disagree). */
async function doctoredCopy(
  from: string,
  to: string,
  edit: (template: {
    Resources: Record<
      string,
      { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }
    >;
    Outputs: Record<string, unknown>;
  }) => void,
): Promise<void> {
  await cp(from, to, { recursive: true });
  const file = (await readdir(to)).find((f) => f.endsWith(".template.json"))!;
  const template = JSON.parse(await readFile(join(to, file), "utf8"));
  edit(template);
  await writeFile(join(to, file), JSON.stringify(template));
}

function functionOf(
  template: {
    Resources: Record<
      string,
      { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }
    >;
  },
  name: "Ingest" | "Runner",
): { Properties: Record<string, unknown> } {
  return Object.values(template.Resources).find(
    (r) => r.Type === "AWS::Lambda::Function" && String(r.Metadata?.["aws:cdk:path"]).includes(`/${name}/`),
  )!;
}

describe("e2e: evd cloud local runs the synthesized stacks", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let flaky: FlakyEndpoint;
  let pr: CloudLocalProcess;
  let all: CloudLocalProcess;
  let allConfig = "";
  let allOut = "";
  const started: CloudLocalProcess[] = [];

  before(async () => {
    tmp = await tempDir("cloud-local");
    flaky = await startFlakyEndpoint();
    const dir = join(tmp.dir, "all-sources");
    await mkdir(join(dir, "watched"), { recursive: true });
    allConfig = join(dir, "evd.yaml");
    const fixture = await readFile(join(repoRoot, "test/e2e/fixtures/all-sources.yaml"), "utf8");
    await writeFile(allConfig, fixture.replaceAll("${DEPLOY_URL}", flaky.url).replaceAll("${DEPLOY_HOST}", flaky.host));
    allOut = join(tmp.dir, "all.out");
    // Both start at once; each that started is stopped in after(), even when the other failed.
    const starts = await Promise.allSettled([
      startCloudLocalProcess({
        args: ["-c", "config=examples/pr-review.yaml", "-o", join(tmp.dir, "pr.out"), ...LOCAL_PORTS],
        env: { EVD_PROVIDER: "echo" },
      }),
      startCloudLocalProcess({
        args: [
          "-c",
          `config=${allConfig}`,
          "-o",
          allOut,
          ...LOCAL_PORTS,
          "--secret",
          `GITHUB_WEBHOOK_SECRET=${GITHUB_SECRET}`,
          "--secret",
          `DEPLOY_WEBHOOK_SECRET=${DEPLOY_SECRET}`,
        ],
      }),
    ]);
    for (const s of starts) if (s.status === "fulfilled") started.push(s.value);
    for (const s of starts) if (s.status === "rejected") throw s.reason;
    [pr, all] = started as [CloudLocalProcess, CloudLocalProcess];
  });

  after(async () => {
    const codes = await Promise.all(started.map((p) => p.stop()));
    await flaky?.close();
    await tmp?.cleanup();
    assert.deepEqual(
      codes,
      started.map(() => 0),
      "Ctrl-C stops evd cloud local cleanly",
    );
  });

  describe("the pr-review example", () => {
    it("runs the asset bundles from the synth's cloud assembly", () => {
      for (const fn of ["Ingest", "Runner"])
        assert.match(
          pr.stdout(),
          new RegExp(`function Orchestrator/${fn}/Function: index\\.handler from \\S*pr\\.out/asset\\.[0-9a-f]{64}`),
        );
      assert.match(
        pr.stdout(),
        /OrchestratorQueuesJobQueue|Orchestrator\/Queues\/JobQueue -> Orchestrator\/Runner\/Function: batch 5, max concurrency 4, ReportBatchItemFailures/,
      );
    });

    it("creates the queues and the table exactly as the template declares them", async () => {
      const template = JSON.parse(await readFile(join(tmp.dir, "pr.out", `${PR_STACK}.template.json`), "utf8")) as {
        Resources: Record<string, { Type: string; Properties: DeclaredProperties }>;
      };
      const conn = {
        endpoint: pr.endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "e2e", secretAccessKey: "e2e" },
      };
      const cfn = new CloudFormationClient(conn);
      const { StackResources = [] } = await cfn.send(new DescribeStackResourcesCommand({ StackName: PR_STACK }));
      cfn.destroy();
      const physical = (id: string) => StackResources.find((r) => r.LogicalResourceId === id)!.PhysicalResourceId!;
      const sqs = new SQSClient(conn);
      const dynamo = new DynamoDBClient(conn);
      try {
        for (const [id, r] of Object.entries(template.Resources).filter(([, r]) => r.Type === "AWS::SQS::Queue")) {
          const { Attributes: attributes = {} } = await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: physical(id), AttributeNames: ["All"] }),
          );
          const a: Record<string, string | undefined> = attributes;
          for (const key of ["VisibilityTimeout", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds"])
            if (r.Properties[key] !== undefined) assert.equal(a[key], String(r.Properties[key]), `${id}.${key}`);
          if (r.Properties.RedrivePolicy)
            assert.equal(
              JSON.parse(a.RedrivePolicy!).maxReceiveCount,
              r.Properties.RedrivePolicy.maxReceiveCount,
              `${id} maxReceiveCount`,
            );
        }
        for (const [id, r] of Object.entries(template.Resources).filter(([, r]) => r.Type === "AWS::DynamoDB::Table")) {
          const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: physical(id) }));
          assert.deepEqual(Table!.KeySchema, r.Properties.KeySchema);
          assert.deepEqual(
            (Table!.GlobalSecondaryIndexes ?? []).map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema })),
            (r.Properties.GlobalSecondaryIndexes ?? []).map((g) => ({
              IndexName: g.IndexName,
              KeySchema: g.KeySchema,
            })),
          );
          const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: physical(id) }));
          assert.equal(ttl.TimeToLiveDescription?.AttributeName, r.Properties.TimeToLiveSpecification?.AttributeName);
        }
      } finally {
        sqs.destroy();
        dynamo.destroy();
      }
    });

    it("a signed GitHub delivery -> 202 -> one run in the runner -> evd cloud history; the same delivery again is a duplicate", async () => {
      // As a user reads it: the stack's Secrets output names where each reference lives.
      const conn = {
        endpoint: pr.endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "x", secretAccessKey: "x" },
      };
      const cfn = new CloudFormationClient(conn);
      const secretIds = JSON.parse((await describeStackOutputs(cfn, PR_STACK)).Secrets!) as Record<string, string>;
      cfn.destroy();
      const secrets = new SecretsManagerClient(conn);
      const { SecretString } = await secrets.send(
        new GetSecretValueCommand({ SecretId: secretIds.GITHUB_WEBHOOK_SECRET }),
      );
      secrets.destroy();
      const delivery = signedGithubDelivery({ event: "push", payload: pushToMain(), secret: SecretString! });
      const first = await post(`${pr.apiUrl}/github`, delivery.body, delivery.headers);
      assert.equal(first.status, 202, JSON.stringify(first.body));
      assert.equal(first.body.status, "accepted");
      const jobId = `${githubEventId("/github", delivery.deliveryId)}#summarize-push`;
      assert.deepEqual(first.body.jobs, [jobId]);
      await waitForRun(pr, PR_STACK, jobId);
      const runs = (await cloudHistory(pr, PR_STACK)).filter((r) => r.job_id === jobId);
      assert.deepEqual(
        runs.map((r) => r.status),
        ["succeeded"],
        "evd cloud history shows one run",
      );
      assert.match(String(runs[0]!.output), /Summarize this push to main of /);
      const again = await post(`${pr.apiUrl}/github`, delivery.body, delivery.headers);
      assert.equal(again.status, 202);
      assert.equal(again.body.status, "duplicate");
      assert.equal((await waitForRun(pr, PR_STACK, jobId)).length, 1, "the duplicate enqueued nothing");
    });

    it("the banner's signed curl is accepted", async () => {
      const curl = /^ {4}(curl -i .*)$/m.exec(pr.stdout())![1]!;
      const req = parseCurl(curl);
      const r = await post(req.url, req.body, req.headers);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.equal(r.body.status, "accepted");
    });

    it("evd cloud status --stack reads the stack's outputs: the schedule and the queues", async () => {
      const r = await pr.evd(["cloud", "status", "--stack", PR_STACK]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /weekly-digest\s+ENABLED\s+cron\(0 9 \? \* MON \*\)\s+Europe\/Paris/);
      assert.match(r.stdout, /^queue: \d+ waiting/m);
      assert.match(r.stdout, /^dlq: \d+ waiting/m);
    });
  });

  describe("every source type", () => {
    it("a pull request and a custom GitHub event each run their handler", async () => {
      const prDelivery = signedGithubDelivery({
        event: "pull_request",
        payload: githubExample("pull_request", "opened"),
        secret: GITHUB_SECRET,
      });
      const issue = signedGithubDelivery({
        event: "issues",
        payload: githubExample("issues", "opened"),
        secret: GITHUB_SECRET,
      });
      for (const d of [prDelivery, issue]) {
        const r = await post(`${all.apiUrl}/github`, d.body, d.headers);
        assert.equal(r.status, 202, JSON.stringify(r.body));
      }
      const [prRuns, issueRuns] = await Promise.all([
        waitForRun(all, ALL_STACK, `${githubEventId("/github", prDelivery.deliveryId)}#on-pr`),
        waitForRun(all, ALL_STACK, `${githubEventId("/github", issue.deliveryId)}#on-issue`),
      ]);
      assert.match(String(prRuns[0]!.output), /Review pull request \d+ \(opened\)/);
      assert.match(String(issueRuns[0]!.output), /Triage the issues event \(opened\)/);
    });

    it("evd cloud local fire NAME: one run with its scheduled time", async () => {
      const r = await runCli([
        "cloud",
        "local",
        "fire",
        "nightly",
        "--time",
        "2030-01-01T03:00:00Z",
        "--cdk-out",
        allOut,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /fired nightly for 2030-01-01T03:00:00Z -> arn:aws:sqs:/);
      const jobId = "schedule:nightly:2030-01-01T03:00:00.000Z#on-schedule";
      const runs = await waitForRun(all, ALL_STACK, jobId);
      assert.equal(runs.length, 1);
      assert.match(String(runs[0]!.output), /Nightly report nightly: schedule:nightly:2030-01-01T03:00:00\.000Z/);
    });

    it("the watcher bridge sends a change set -> one run", async () => {
      let bridge: BridgeProcess | undefined;
      try {
        bridge = spawnBridge(["--config", allConfig, "--stack", ALL_STACK, "--endpoint", all.endpoint], repoRoot);
        await bridge.waitFor(/^bridge: ready/, 60_000);
        await writeFile(join(allConfig, "..", "watched", "notes.md"), "# Notes\nshipped\n");
        const sent = await bridge.waitFor(/^sent: /, 60_000);
        const jobId = /job (\S+#on-change)/.exec(sent)![1]!;
        const runs = await waitForRun(all, ALL_STACK, jobId);
        assert.equal(runs.length, 1);
        assert.match(String(runs[0]!.output), /notes\.md/);
      } finally {
        bridge?.child.kill("SIGTERM");
        await bridge?.exited;
      }
    });

    it("evd cloud trigger -> one run of a manual handler", async () => {
      const r = await all.evd([
        "cloud",
        "trigger",
        "--stack",
        ALL_STACK,
        "--handler",
        "on-manual",
        "--id",
        "manual-1",
        "--payload",
        '{"note":"by hand"}',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const runs = await waitForRun(all, ALL_STACK, `${manualEventId("manual-1")}#on-manual`);
      assert.match(String(runs[0]!.output), /Manual run: by hand/);
    });
  });

  describe("a template that does not match the code fails", () => {
    it("a handler name the bundle does not export: evd cloud local refuses to start", async () => {
      const copy = join(tmp.dir, "wrong-handler.out");
      await doctoredCopy(allOut, copy, (t) => {
        functionOf(t, "Runner").Properties.Handler = "index.handlr";
      });
      const run = spawnCloudLocal({ args: ["--cdk-out", copy, ...LOCAL_PORTS] });
      let code: number | null | undefined;
      void run.exited.then((c) => (code = c));
      await waitFor(() => code !== undefined || /evd cloud local ready/.test(run.out()), "its exit (or its banner)", {
        timeoutMs: 120_000,
        intervalMs: 100,
      });
      if (code === undefined) {
        run.proc.kill("SIGINT");
        await run.exited;
        assert.fail(`the mismatched stack started:\n${run.out()}`);
      }
      assert.equal(code, 1);
      assert.match(run.err(), /Runtime\.HandlerNotFound: index\.handlr is undefined or not exported/);
      assert.match(run.err(), /\[Orchestrator\/Runner\/Function\]/);
    });

    it("a missing environment variable fails the delivery (500, not 202); a missing output fails evd cloud history", async () => {
      const copy = join(tmp.dir, "missing-env.out");
      await doctoredCopy(allOut, copy, (t) => {
        delete (functionOf(t, "Ingest").Properties.Environment as { Variables: Record<string, unknown> }).Variables
          .EVD_QUEUE_URL;
        delete t.Outputs.TableName;
      });
      const broken = await startCloudLocalProcess({
        args: ["--cdk-out", copy, ...LOCAL_PORTS, "--secret", `GITHUB_WEBHOOK_SECRET=${GITHUB_SECRET}`],
      });
      started.push(broken);
      const delivery = signedGithubDelivery({
        event: "issues",
        payload: githubExample("issues", "opened"),
        secret: GITHUB_SECRET,
      });
      const r = await post(`${broken.apiUrl}/github`, delivery.body, delivery.headers);
      assert.notEqual(r.status, 202);
      assert.equal(r.status, 500);
      await waitFor(
        () => /missing Lambda environment variable\(s\): EVD_QUEUE_URL/.test(broken.stdout()),
        "the ingest log naming the variable",
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      const history = await broken.evd(["cloud", "history", "--stack", ALL_STACK]);
      assert.equal(history.code, 2);
      assert.match(history.stderr, /no table/);
    });
  });

  it("a signed webhook to a failing handler -> DLQ after maxReceiveCount -> evd cloud dlq redrive -> it runs", async () => {
    const body = JSON.stringify({ version: "1.2.3" });
    const sent = await post(`${all.apiUrl}/hooks/deploy`, body, { "x-signature": signHmacSha256(DEPLOY_SECRET, body) });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const failingJob = (sent.body.jobs as string[])[0]!;
    const conn = {
      endpoint: all.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "e2e", secretAccessKey: "e2e" },
    };
    const cfn = new CloudFormationClient(conn);
    const { dlqUrl } = resourcesFromOutputs(await describeStackOutputs(cfn, ALL_STACK));
    cfn.destroy();
    const sqs = new SQSClient(conn);
    await waitFor(
      async () => (await listDeadLetters(sqs, dlqUrl!)).some((d) => d.jobId === failingJob),
      `${failingJob} in the DLQ`,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    sqs.destroy();
    const listed = await all.evd(["cloud", "dlq", "list", "--stack", ALL_STACK]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.includes(`"jobId":"${failingJob}"`), listed.stdout);
    const failed = await waitForRun(all, ALL_STACK, failingJob, "failed");
    assert.deepEqual(
      failed.map((r) => r.status),
      ["failed", "failed", "failed"],
      "three receives, three failed runs (retry.max_attempts = the DLQ's maxReceiveCount)",
    );
    flaky.heal();
    const redrive = await all.evd(["cloud", "dlq", "redrive", "--stack", ALL_STACK]);
    assert.equal(redrive.code, 0, redrive.stderr);
    await waitForRun(all, ALL_STACK, failingJob);
    const runs = (await cloudHistory(all, ALL_STACK)).filter((r) => r.job_id === failingJob);
    assert.deepEqual(
      runs.map((r) => r.status),
      ["succeeded", "failed", "failed", "failed"],
      "evd cloud history: the redriven run succeeded after three failed ones",
    );
    assert.ok(flaky.calls.every((c) => c === "deployed 1.2.3"));
    const left = new SQSClient(conn);
    assert.ok(!(await listDeadLetters(left, dlqUrl!)).some((d) => d.jobId === failingJob), "the DLQ is empty again");
    left.destroy();
  });
});
