import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readCloudEnv } from "../../../functions/cloud-env.ts";
import { parseDeployBundle } from "../../../functions/deploy-bundle.ts";
import { emfMetrics } from "../../../functions/metrics.ts";
import { parseConfig } from "../../../shared/config/parse.ts";

describe("Lambda environment", () => {
  it("reads names, the secret map and the lease; defaults the bundle next to the handler", () => {
    const env = readCloudEnv(
      {
        EVD_TABLE_NAME: "t",
        EVD_QUEUE_URL: "q",
        EVD_SECRETS: '{"GH":"prod/gh"}',
        EVD_LEASE_MS: "360000",
        EVD_MAX_RECEIVE_COUNT: "3",
      },
      { handlerDir: "/var/task" },
    );
    assert.equal(env.bundlePath, "/var/task/evd-bundle.json");
    assert.deepEqual(env.secrets, { GH: "prod/gh" });
    assert.equal(env.leaseMs, 360_000);
    assert.equal(env.maxReceiveCount, 3);
  });

  it("names what is missing or wrong", () => {
    assert.throws(() => readCloudEnv({}), /EVD_TABLE_NAME, EVD_QUEUE_URL/);
    assert.throws(
      () => readCloudEnv({ EVD_TABLE_NAME: "t", EVD_QUEUE_URL: "q", EVD_LEASE_MS: "soon" }),
      /EVD_LEASE_MS must be a positive integer/,
    );
  });
});

describe("deploy bundle", () => {
  it("accepts a parsed config and refuses a raw one", () => {
    const config = parseConfig({ handlers: { h: { prompt: "x" } } }, { where: "t", env: {} });
    assert.equal(
      parseDeployBundle({ config, recipes: { "recipes/a": "steps: []" } }, "b.json").recipes["recipes/a"],
      "steps: []",
    );
    assert.throws(
      () => parseDeployBundle({ config: { handlers: {} } }, "b.json"),
      /b\.json: "config" is not a parsed orchestrator config \(missing sources/,
    );
    assert.throws(() => parseDeployBundle([], "b.json"), /not a deploy bundle/);
  });
});

describe("EMF metrics", () => {
  it("writes one CloudWatch embedded-metric line per outcome", () => {
    const lines: string[] = [];
    emfMetrics((l) => lines.push(l), { service: "runner", now: () => 42 })("dead_lettered", 1, { handler: "review" });
    const o = JSON.parse(lines[0]!);
    assert.equal(o.dead_lettered, 1);
    assert.equal(o.handler, "review");
    assert.deepEqual(o._aws.CloudWatchMetrics[0].Dimensions, [["service", "handler"]]);
    assert.equal(o._aws.Timestamp, 42);
  });
});
