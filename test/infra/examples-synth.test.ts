/**
 * Every example config in examples/ with something the cloud serves (a webhook route or a
 * schedule) synthesizes offline, without Docker, into a stack cdk-nag AwsSolutions passes.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../shared/config/load.ts";
import { hasCloudSources, planDeployment } from "../../infra/deployment-plan.ts";
import { nagFindings, REPO_ROOT, synthConfig } from "./fixtures/synth.ts";
import { nodeConfigFiles } from "../../shared/node/node-config-files.ts";

/** Folders of examples/ that hold no configs (recipes, sample inputs and outputs) or broken ones on purpose. */
const NOT_CONFIGS = new Set(["recipes", "broken", "out", "src", "node_modules"]);

function exampleConfigs(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!NOT_CONFIGS.has(entry.name)) found.push(...exampleConfigs(full));
    } else if (
      /\.(ya?ml|json)$/.test(entry.name) ||
      entry.name === "bundle.md" ||
      (/\.md$/.test(entry.name) && full.includes(join(".amplifier", "profiles")))
    ) {
      found.push(full);
    }
  }
  return found.sort();
}

const examples = exampleConfigs(join(REPO_ROOT, "examples")).map((f) => relative(REPO_ROOT, f));

describe("cdk synth of every cloud-deployable example", () => {
  it("finds the example configs", () => {
    assert.ok(examples.includes(join("examples", "pr-review.yaml")), `examples found: ${examples.join(", ")}`);
  });

  for (const example of examples) {
    it(example, async (t) => {
      const loaded = await loadConfig({ files: nodeConfigFiles, configPath: example, cwd: REPO_ROOT, env: {} });
      if (!hasCloudSources(loaded.config)) {
        t.diagnostic(`${example}: no webhook or schedule source; the watcher bridge or CLI feeds its queue`);
        return;
      }
      const plan = planDeployment(loaded.config);
      const s = await synthConfig(example);
      s.template.resourceCountIs("AWS::ApiGatewayV2::Route", plan.routes.length);
      s.template.resourceCountIs("AWS::Scheduler::Schedule", plan.schedules.length);
      s.template.resourceCountIs("AWS::Lambda::EventSourceMapping", 1);
      assert.deepEqual(
        nagFindings(s).map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(" ")}`),
        [],
      );
    });
  }
});
