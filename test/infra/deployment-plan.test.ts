/** What the deployment takes from a config: routes, schedules, secrets, Bedrock models (pure, no synth). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_BEDROCK_MODEL } from "../../shared/aws/bedrock-provider.ts";
import { concurrencyKey, eventKey } from "../../shared/aws/table-layout.ts";
import { parseConfig } from "../../shared/config/parse.ts";
import { hasCloudSources, planDeployment } from "../../infra/deployment-plan.ts";
import { OrchestratorPropsError } from "../../infra/errors.ts";
import { flattenCfnValue } from "../../infra/nag-findings.ts";
import { INGEST_KEY_PREFIXES } from "../../infra/table-keys.ts";

const config = (raw: Record<string, unknown>) =>
  parseConfig({ handlers: { h: { prompt: "x" } }, ...raw }, { where: "test", env: {} });

describe("planDeployment", () => {
  it("gives one route per distinct path of the enabled HTTP sources, with the sources it serves", () => {
    const plan = planDeployment(
      config({
        sources: [
          { type: "git_pr", handler: "h", name: "prs" },
          { type: "git_push", handler: "h", name: "pushes" },
          { type: "webhook", path: "/hooks/deploy", secret: "${S}", handler: "h" },
          { type: "custom", path: "/custom", handler: "h", enabled: false },
          { type: "custom", handler: "h", github_events: ["issues"] },
          { type: "file_change", path: ".", handler: "h" },
          { type: "manual", handler: "h" },
        ],
      }),
    );
    assert.deepEqual(plan.routes, [
      { path: "/github", sources: ["prs", "pushes"] },
      { path: "/hooks/deploy", sources: ["h-webhook-2"] },
    ]);
  });

  it("converts schedules, keeps their time zone, and deploys a disabled one disabled", () => {
    const plan = planDeployment(
      config({
        sources: [
          { type: "schedule", cron: "0 9 * * MON", handler: "h" },
          {
            type: "schedule",
            cron: "0 */4 * * *",
            timezone: "Asia/Tokyo",
            handler: "h",
            name: "every-4h",
            enabled: false,
          },
        ],
      }),
    );
    assert.deepEqual(
      plan.schedules.map((s) => [s.name, s.expression, s.timezone, s.enabled]),
      [
        ["h-schedule-0", "cron(0 9 ? * MON *)", "UTC", true],
        ["every-4h", "cron(0 */4 * * ? *)", "Asia/Tokyo", false],
      ],
    );
  });

  it("refuses schedules EventBridge Scheduler cannot take, naming where", () => {
    const refuse = (sources: unknown[], where: string, mutate?: (c: ReturnType<typeof config>) => void) =>
      assert.throws(
        () => {
          const c = config({ sources });
          mutate?.(c);
          planDeployment(c);
        },
        (err: unknown) => err instanceof OrchestratorPropsError && err.where === where,
      );
    // The config layer refuses an unknown zone too; the plan checks again for configs built in code.
    refuse([{ type: "schedule", cron: "0 9 * * *", handler: "h" }], "config.sources[0].timezone", (c) => {
      (c.sources[0] as { timezone: string }).timezone = "Mars/Olympus";
    });
    refuse([{ type: "schedule", cron: "0 9 * * *", handler: "h" }], "config.sources[0].name", (c) => {
      (c.sources[0] as { name?: string }).name = "a b";
    });
    refuse(
      [
        { type: "schedule", cron: "0 9 * * *", name: "x", handler: "h" },
        { type: "schedule", cron: "0 10 * * *", name: "y", handler: "h" },
      ],
      "config.sources[1].name",
      (c) => {
        (c.sources[1] as { name?: string }).name = "x";
      },
    );
    refuse([{ type: "schedule", cron: "0 9 1 * MON", handler: "h" }], "config.sources[0].cron");
  });

  it("collects every secret reference once, with the keys that use it, and flags literal secrets", () => {
    const plan = planDeployment(
      config({
        sources: [
          { type: "git_pr", handler: "h" },
          { type: "git_push", handler: "h", secret: "${GITHUB_WEBHOOK_SECRET}" },
          { type: "webhook", path: "/w", secret: "inline-literal", handler: "h" },
        ],
        providers: { claude: { kind: "anthropic", api_key: "${ANTHROPIC_API_KEY}" } },
        tools: { "tool-slack": { webhook_url: "${SLACK_URL}" }, "tool-github": { token: "${GH_TOKEN}" } },
      }),
    );
    assert.deepEqual(plan.secrets, [
      { name: "ANTHROPIC_API_KEY", usedBy: ["providers.claude.api_key"], readers: ["runner"] },
      { name: "GH_TOKEN", usedBy: ["tools.tool-github.token"], readers: ["runner"] },
      { name: "GITHUB_WEBHOOK_SECRET", usedBy: ["sources[0].secret", "sources[1].secret"], readers: ["ingest"] },
      { name: "SLACK_URL", usedBy: ["tools.tool-slack.webhook_url"], readers: ["runner"] },
    ]);
    assert.deepEqual(plan.literalSecrets, ["sources[2].secret"]);
  });

  it("gives each secret to the function that reads it: endpoint secrets to ingest (GitHub default included), the rest to the runner", () => {
    const plan = planDeployment(
      config({
        sources: [
          { type: "custom", github_events: ["issues"], handler: "h" },
          { type: "webhook", path: "/w", secret: "${SHARED}", handler: "h", enabled: false },
        ],
        providers: { claude: { kind: "anthropic", api_key: "${SHARED}" } },
      }),
    );
    assert.deepEqual(plan.secrets, [
      { name: "GITHUB_WEBHOOK_SECRET", usedBy: ["sources[0].secret"], readers: ["ingest"] },
      { name: "SHARED", usedBy: ["providers.claude.api_key"], readers: ["runner"] },
    ]);
  });

  it("lists the Bedrock models prompts can reach: provider models, step overrides, the built-in bedrock provider", () => {
    const plan = planDeployment(
      parseConfig(
        {
          default_provider: "echo",
          providers: { br: { kind: "bedrock", model: "m-1", region: "eu-west-1" }, echo: { kind: "echo" } },
          handlers: {
            a: { steps: [{ prompt: "x", provider: "br", model: "m-2" }, { prompt: "y" }] },
            b: { prompt: "z", provider: "bedrock" },
          },
        },
        { where: "test", env: {} },
      ),
    );
    assert.deepEqual(
      [...plan.bedrockModels].sort((x, y) => x.modelId.localeCompare(y.modelId)),
      [
        { modelId: DEFAULT_BEDROCK_MODEL },
        { modelId: "m-1", region: "eu-west-1" },
        { modelId: "m-2", region: "eu-west-1" },
      ].sort((x, y) => x.modelId.localeCompare(y.modelId)),
    );
    assert.deepEqual(planDeployment(config({})).bedrockModels, []);
  });

  it("says whether a config has anything the cloud serves directly", () => {
    assert.equal(hasCloudSources(config({ sources: [{ type: "file_change", path: ".", handler: "h" }] })), false);
    assert.equal(hasCloudSources(config({ sources: [{ type: "schedule", cron: "* * * * *", handler: "h" }] })), true);
    assert.equal(hasCloudSources(config({ sources: [{ type: "git_pr", handler: "h" }] })), true);
  });
});

describe("table and nag helpers", () => {
  it("scopes ingest to the item prefixes the cloud layout uses for the event log and concurrency keys", () => {
    assert.ok(eventKey("e-1").pk.startsWith(INGEST_KEY_PREFIXES[0]));
    assert.ok(concurrencyKey("h", "k").pk.startsWith(INGEST_KEY_PREFIXES[1]));
  });

  it("flattens CloudFormation values the way cdk-nag names findings", () => {
    assert.equal(
      flattenCfnValue({ "Fn::Join": ["", [{ "Fn::GetAtt": ["T1", "Arn"] }, "/index/*"]] }),
      "<T1.Arn>/index/*",
    );
    assert.equal(
      flattenCfnValue({ "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":x"]] }),
      "arn:<AWS::Partition>:x",
    );
  });
});
