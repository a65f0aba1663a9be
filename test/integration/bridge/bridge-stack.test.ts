/**
 * `evd bridge --stack NAME` as a user runs it: the queue URL comes from the stack's outputs
 * (DescribeStacks), in the region the SDK's chain resolves (here the AWS profile's config, no
 * AWS_REGION), and the bridge's every AWS call is allowed by the stack's BridgePolicy and uses
 * every action it grants (IAM conformance, evaluated with the real policy evaluator).
 */
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { awsCalls } from "../../harness/aws-call.ts";
import { startAwsEndpoint, type AwsEndpoint } from "../../harness/aws-endpoint.ts";
import { Component, credentialsFor } from "../../harness/aws-identity.ts";
import { newDeploymentId, registerDeployment } from "../../harness/deployments.ts";
import { checkIamConformance, describeReport } from "../../harness/iam-conformance.ts";
import type { RunningServer } from "../../harness/dynamo-local.ts";
import { startRecordingProxy } from "../../harness/recording-proxy.ts";
import { receiveJobs, spawnBridge, startStoppableSqs, type StoppableSqs } from "./helpers.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const STACK = "EvdBridgeTest";

describe("evd bridge --stack: outputs, region from the AWS profile, least privilege", () => {
  let sqs: StoppableSqs;
  let proxy: RunningServer;
  let endpoint: AwsEndpoint;
  let dir: string;
  let queueUrl: string;
  const id = newDeploymentId();
  const config = {
    cloud: { stack_name: STACK },
    sources: [{ type: "file_change", name: "docs", path: "./watched", debounce_ms: 200, handler: "summarize" }],
    handlers: { summarize: { prompt: "Summarize {changed_files}" } },
  };

  before(async () => {
    sqs = await startStoppableSqs();
    queueUrl = await sqs.createQueue("bridge-stack");
    proxy = await startRecordingProxy({ target: sqs.endpoint });
    endpoint = await startAwsEndpoint({
      routes: { sqs: proxy.endpoint },
      stacks: new Map<string, Record<string, string>>([
        [STACK, { QueueUrl: queueUrl, DlqUrl: `${queueUrl}-dlq`, TableName: "t" }],
        ["EvdWithoutQueue", { TableName: "t" }],
      ]),
    });
    registerDeployment({ id, config, tableName: "t", queueName: "bridge-stack", dlqName: "bridge-stack-dlq" });
    dir = await mkdtemp(join(tmpdir(), "evd-bridge-stack-"));
    await writeFile(join(dir, "evd.json"), JSON.stringify(config));
    const key = credentialsFor(Component.BRIDGE, id);
    await writeFile(
      join(dir, "aws-config"),
      `[profile evd-test]\nregion = eu-west-3\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n` +
        // Another stack's user (not this stack's bridge): its calls are not this policy's business.
        "[profile other]\nregion = eu-west-3\naws_access_key_id = evdtest\naws_secret_access_key = evdtest\n",
    );
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "watched"));
  });

  after(async () => {
    await endpoint.stop();
    await proxy.stop();
    await sqs.close();
  });

  const awsEnv = (profile = "evd-test") => ({
    AWS_ENDPOINT_URL: endpoint.endpoint,
    AWS_CONFIG_FILE: join(dir, "aws-config"),
    AWS_PROFILE: profile,
  });

  it("reads the queue from the stack's outputs in the profile's region and sends the change there", async () => {
    const bridge = spawnBridge(
      ["--config", join(dir, "evd.json"), "--stack", STACK, "--spool-dir", join(dir, "spool")],
      repo,
      awsEnv(),
    );
    try {
      await bridge.waitFor(/^bridge: ready$/);
      assert.deepEqual(endpoint.cloudFormationRegions, ["eu-west-3"], "the region of the AWS profile");
      await writeFile(join(dir, "watched", "a.md"), "# a\n");
      const [job] = await receiveJobs(sqs.client, queueUrl, 1);
      assert.equal(job?.handler, "summarize");
      bridge.child.kill("SIGTERM");
      assert.equal(await bridge.exited, 0);
    } finally {
      if (bridge.child.exitCode === null) bridge.child.kill("SIGKILL");
    }
  });

  it("names the output it looked for when the stack has none", async () => {
    const bridge = spawnBridge(
      ["--config", join(dir, "evd.json"), "--stack", "EvdWithoutQueue"],
      repo,
      awsEnv("other"),
    );
    assert.equal(await bridge.exited, 2);
    assert.match(bridge.stderr(), /stack "EvdWithoutQueue" has no job queue URL output \(QueueUrl\)/);
  });

  it("calls AWS only as the stack's BridgePolicy allows, and uses every action it grants", async () => {
    const calls = awsCalls.componentCalls().filter((c) => c.caller.component === Component.BRIDGE);
    assert.ok(calls.some((c) => c.operation === "DescribeStacks") && calls.some((c) => c.service === "sqs"));
    const report = await checkIamConformance(calls, {
      region: "eu-west-3",
      unusedAllowed: {},
      components: [Component.BRIDGE],
    });
    assert.equal(describeReport(report), "");
  });
});
