/**
 * `evd cloud local` on a template that is not evd's (generic-stack.ts): the API Gateway event and
 * answers, throttling, the function's deadline and resource policy, the runtime's AWS SDK for
 * CommonJS code, the SQS event source with partial batch failures and the DLQ after
 * maxReceiveCount, a schedule's input, the stack's outputs, the skipped resources. No table, so
 * no Java: it starts in about a second.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describeStackOutputs } from "../../../shared/aws/stack-outputs.ts";
import { startCloudLocal, type CloudLocal } from "../../../local/cloud-local/cloud-local.ts";
import { TemplateError } from "../../../local/cloud-local/errors.ts";
import { fireSchedule } from "../../../local/cloud-local/schedules/fire-command.ts";
import { GENERIC_STACK, genericTemplate, writeAssembly } from "./generic-stack.ts";
import { waitFor } from "../../harness/wait-for.ts";

const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

function rawRequest(
  url: string,
  method: string,
  body: string,
  headers: [string, string][],
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const all: [string, string][] = [
      ["Host", new URL(url).host],
      ["Content-Length", String(Buffer.byteLength(body))],
      ...headers,
    ];
    const req = request(url, { method, headers: all.flat() }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("evd cloud local runs any template: a generic stack", () => {
  let dir: string;
  let local: CloudLocal;
  let logFile: string;
  const logs: string[] = [];
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "evd-cloud-local-generic-"));
    logFile = join(dir, "consumer.log");
    await writeAssembly(join(dir, "cdk.out"), genericTemplate(logFile));
    local = await startCloudLocal({
      cwd: dir,
      env: { PATH: process.env.PATH },
      cdkOut: "cdk.out",
      port: 0,
      apiPort: 0,
      log: (source, line) => logs.push(`[${source}] ${line}`),
    });
    url = local.apis[0]!.url;
  });
  after(async () => {
    await local?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("turns a request into a payload-2.0 event: raw path, lower-case headers, joined repeats, cookies, path and query parameters", async () => {
    // node:http, not fetch: fetch folds repeated headers into one line before sending.
    const res = await rawRequest(`${url}/echo/alice?x=1&x=2`, "POST", '{"hello":"world"}', [
      ["Content-Type", "application/json"],
      ["X-Repeated", "a"],
      ["X-Repeated", "b"],
      ["Cookie", "c1=1; c2=2"],
    ]);
    assert.equal(res.status, 200);
    assert.equal(res.headers["x-greeting"], "hello from Generic in us-east-1");
    assert.match(String(res.headers["set-cookie"]), /seen=1/);
    const answer = JSON.parse(res.body) as {
      event: APIGatewayProxyEventV2;
      remainingMs: number;
      memory: string;
      sdk: string;
      queueUrl: string;
      taskRoot: string;
    };
    const e = answer.event;
    assert.equal(e.version, "2.0");
    assert.equal(e.routeKey, "POST /echo/{name}");
    assert.equal(e.rawPath, "/echo/alice");
    assert.equal(e.rawQueryString, "x=1&x=2");
    assert.deepEqual(e.queryStringParameters, { x: "1,2" });
    assert.deepEqual(e.pathParameters, { name: "alice" });
    assert.equal(e.headers["content-type"], "application/json");
    assert.equal(e.headers["x-repeated"], "a,b");
    assert.equal(e.headers.cookie, undefined);
    assert.deepEqual(e.cookies, ["c1=1", "c2=2"]);
    assert.equal(e.isBase64Encoded, false);
    assert.equal(e.body, '{"hello":"world"}');
    assert.equal(e.requestContext.http.method, "POST");
    assert.equal(e.requestContext.stage, "$default");
    assert.ok(answer.remainingMs > 0 && answer.remainingMs <= 1000, `getRemainingTimeInMillis: ${answer.remainingMs}`);
    assert.equal(answer.memory, "128");
    assert.equal(answer.sdk, "function", "CommonJS code finds the runtime's AWS SDK");
    assert.match(answer.queueUrl, /\/000000000000\/Generic-Jobs-/);
    assert.equal(answer.taskRoot, local.functions.find((f) => f.logicalId === "Echo")!.codeDir);
  });

  it("base64-encodes a body whose content type is not text", async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const res = await fetch(`${url}/echo/bin`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    const e = ((await res.json()) as { event: { isBase64Encoded: boolean; body: string } }).event;
    assert.equal(e.isBase64Encoded, true);
    assert.deepEqual(Buffer.from(e.body, "base64"), bytes);
  });

  it("creates the stack's bucket: the function writes and reads an object through the runtime's S3 client", async () => {
    const res = await fetch(`${url}/store`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "kept in S3",
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "kept in S3");
    const bucket = local.deployed.resources.find((r) => r.logicalId === "Files")!;
    assert.match(bucket.physicalId, /^generic-files-[a-z2-7]{12}$/);
    assert.deepEqual(bucket.notes, ["lifecycle rules (expiry) (LifecycleConfiguration) is declared, not emulated"]);
  });

  it("answers as API Gateway does: 404 for no route, 429 past the route's throttle, 500 when the function fails", async () => {
    const notFound = await fetch(`${url}/nowhere`);
    assert.equal(notFound.status, 404);
    assert.deepEqual(await notFound.json(), { message: "Not Found" });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${url}/limited`)).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    const failed = await fetch(`${url}/fail`);
    assert.equal(failed.status, 500);
    assert.deepEqual(await failed.json(), { message: "Internal Server Error" });
  });

  it("stops an invocation at the function's timeout; the next one gets a fresh environment", async () => {
    const started = Date.now();
    const slow = await fetch(`${url}/slow`);
    assert.equal(slow.status, 500);
    assert.ok(Date.now() - started < 30_000, "the busy loop was stopped, not waited for");
    assert.ok(logs.some((l) => /Task timed out after 1\.00 seconds/.test(l)));
    const ok = await fetch(`${url}/echo/after`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    assert.equal(ok.status, 200);
  });

  it("needs the function's resource policy: a route to a function without a Lambda permission answers 500", async () => {
    const res = await fetch(`${url}/hidden`);
    assert.equal(res.status, 500);
    assert.ok(logs.some((l) => /may not invoke Hidden: no AWS::Lambda::Permission/.test(l)));
  });

  it("polls the queue like the event source mapping: partial batch failures stay, the DLQ after maxReceiveCount", async () => {
    const queueUrl = local.deployed.outputs.find((o) => o.key === "QueueUrl")!.value;
    const dlqUrl = local.deployed.outputs.find((o) => o.key === "DlqUrl")!.value;
    const sqs = new SQSClient({ endpoint: local.endpoint, region: "us-east-1", credentials: CREDENTIALS });
    for (const body of ["ok-1", "fail", "ok-2"])
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    const dead = await waitFor(
      async () => {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 0, MaxNumberOfMessages: 10 }),
        );
        return out.Messages?.length ? out.Messages : undefined;
      },
      "the failing message in the DLQ",
      { intervalMs: 100 },
    );
    sqs.destroy();
    assert.deepEqual(
      dead.map((m) => m.Body),
      ["fail"],
    );
    const seen = (await readFile(logFile, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { body: string; count: string });
    assert.deepEqual(
      seen.filter((s) => s.body === "fail").map((s) => s.count),
      ["1", "2"],
      "received twice (maxReceiveCount 2), then moved",
    );
    assert.equal(seen.filter((s) => s.body.startsWith("ok-")).length, 2, "each successful record ran once");
  });

  it("fires a schedule with its input, <aws.scheduler.scheduled-time> substituted", async () => {
    const firing = await fireSchedule({
      name: "every-minute",
      at: new Date("2030-01-01T00:00:00Z"),
      env: {},
      assemblyDir: join(dir, "cdk.out"),
    });
    assert.equal(firing.scheduledTime, "2030-01-01T00:00:00Z");
    const line = await waitFor(
      async () => {
        const text = await readFile(logFile, "utf8");
        return text.split("\n").find((l) => l.includes("2030-01-01T00:00:00Z"));
      },
      "the firing at the consumer",
      { intervalMs: 100 },
    );
    const body = JSON.parse((JSON.parse(line) as { body: string }).body) as { at: string; from: string };
    assert.equal(body.at, "2030-01-01T00:00:00Z");
    assert.equal(body.from, "arn:aws:scheduler:us-east-1:000000000000:schedule/generic/every-minute");
    const planned = local.schedules().find((s) => s.name === "every-minute");
    assert.ok(planned?.next && planned.next.getTime() > Date.now(), "the clock plans the next firing");
  });

  it("fire refuses a schedule that does not exist, or an assembly nothing runs, saying what exists", async () => {
    await assert.rejects(
      fireSchedule({ name: "nope", at: new Date(), env: {}, assemblyDir: join(dir, "cdk.out") }),
      /no schedule named "nope" at http:\/\/127\.0\.0\.1:\d+; schedules: every-minute/,
    );
    await assert.rejects(
      fireSchedule({ name: "every-minute", at: new Date(), env: {}, assemblyDir: join(dir, "elsewhere") }),
      /`evd cloud local` is not running on .*elsewhere \(no evd-cloud-local\.json\)/,
    );
  });

  it("answers DescribeStacks with the resolved outputs, and lists what it does not run", async () => {
    const cfn = new CloudFormationClient({ endpoint: local.endpoint, region: "us-east-1", credentials: CREDENTIALS });
    const outputs = await describeStackOutputs(cfn, GENERIC_STACK);
    cfn.destroy();
    assert.equal(outputs.Url, url);
    assert.match(outputs.QueueUrl!, /^http:\/\/127\.0\.0\.1:\d+\/000000000000\/Generic-Jobs-[A-Z2-7]{12}$/);
    const skipped = Object.fromEntries(local.deployed.skipped.map((s) => [s.type, s.count]));
    assert.deepEqual(skipped, { "AWS::IAM::Role": 1, "AWS::CloudWatch::Alarm": 1 });
  });
});

describe("evd cloud local refuses what Lambda refuses", () => {
  it("a reserved environment variable in the template", async () => {
    const dir = await mkdtemp(join(tmpdir(), "evd-cloud-local-reserved-"));
    try {
      await writeAssembly(join(dir, "cdk.out"), genericTemplate(join(dir, "log"), { AWS_REGION: "eu-west-1" }));
      await assert.rejects(
        startCloudLocal({ cwd: dir, env: {}, cdkOut: "cdk.out", port: 0, apiPort: 0, log: () => undefined }),
        (err: Error) =>
          err instanceof TemplateError &&
          /Echo\.Properties\.Environment\.Variables\.AWS_REGION: Lambda reserves this key/.test(err.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
