/**
 * The construct's documented behaviours beyond the defaults: max_concurrent_handlers below AWS's
 * minimum, imported secrets, an alarm topic, overrides, and refusals of undeployable props.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { App, Duration, Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import * as sns from "aws-cdk-lib/aws-sns";
import { parseConfig } from "../../shared/config/parse.ts";
import { EventDrivenOrchestrator, SecretMode } from "../../infra/event-driven-orchestrator.ts";
import { OrchestratorPropsError } from "../../infra/errors.ts";
import { buildApp, DEFAULT_CONFIG_PATH } from "../../infra/build-app.ts";
import { nagFindings, REPO_ROOT, synthConfig, synthYaml, type Synthesized } from "./fixtures/synth.ts";

const SMALL = (extra: string) => `
sources:
  - name: nightly
    type: schedule
    cron: "30 2 * * *"
    handler: report
  - name: deploys
    type: webhook
    path: /hooks/deploy
    secret: \${DEPLOY_SECRET}
    handler: report
handlers:
  report:
    prompt: "report"
${extra}`;

describe("max_concurrent_handlers: 1 (below the SQS event source minimum of 2)", () => {
  let s: Synthesized;
  before(async () => {
    s = await synthYaml(
      SMALL(
        "max_concurrent_handlers: 1\nretry:\n  max_attempts: 5\ncloud:\n  batch_size: 1\n  runner_timeout_seconds: 400\n",
      ),
    );
  });

  it("gives the event source AWS's minimum maxConcurrency of 2 and no reserved concurrency (the runner's run slot makes it 1)", () => {
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("runner"),
      ReservedConcurrentExecutions: Match.absent(),
      Timeout: 400,
    });
    s.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    s.template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 2400,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
  });

  it("warns at synth time, saying what it does instead", () => {
    const warnings = Annotations.fromStack(s.stack).findWarning(
      "*",
      Match.stringLikeRegexp("max_concurrent_handlers is 1.*single run slot"),
    );
    assert.equal(warnings.length, 1);
  });

  it("still passes cdk-nag", () => {
    assert.deepEqual(
      nagFindings(s).map((v) => v.ruleName),
      [],
    );
  });
});

describe("API throttling from the config", () => {
  it("sets the stage's limits from cloud.api_rate_limit and cloud.api_burst_limit", async () => {
    const s = await synthYaml(SMALL("cloud:\n  api_rate_limit: 300\n  api_burst_limit: 600\n"));
    s.template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      DefaultRouteSettings: { ThrottlingRateLimit: 300, ThrottlingBurstLimit: 600 },
    });
  });
});

describe("max_concurrent_handlers above the SQS event source maximum", () => {
  it("caps maxConcurrency at 1000 with a warning", async () => {
    const s = await synthYaml(SMALL("max_concurrent_handlers: 5000\n"));
    s.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      ScalingConfig: { MaximumConcurrency: 1000 },
    });
    assert.equal(Annotations.fromStack(s.stack).findWarning("*", Match.stringLikeRegexp("at most 1000")).length, 1);
  });
});

describe("imported secrets, alarm topic and overrides", () => {
  let s: Synthesized;
  before(async () => {
    s = await synthYaml(SMALL("cloud:\n  stack_name: EvdSmall\n  secrets:\n    DEPLOY_SECRET: team/deploy-hmac\n"), {
      context: { secrets: "import" },
    });
  });

  it("imports the secret by name instead of creating it, and grants read on that name only", () => {
    s.template.resourceCountIs("AWS::SecretsManager::Secret", 0);
    const policies = JSON.stringify(s.template.findResources("AWS::IAM::Policy"));
    assert.match(policies, /:secret:team\/deploy-hmac-\?\?\?\?\?\?/);
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({ EVD_SECRETS: JSON.stringify({ DEPLOY_SECRET: "team/deploy-hmac" }) }),
      },
    });
    assert.deepEqual(
      nagFindings(s).map((v) => v.ruleName),
      [],
    );
  });

  it("has no API routes beyond the webhook path and outputs the schedule group", () => {
    s.template.resourceCountIs("AWS::ApiGatewayV2::Route", 1);
    s.template.hasOutput("ScheduleGroup", { Value: "EvdSmall" });
    s.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      Name: "nightly",
      ScheduleExpression: "cron(30 2 * * ? *)",
      GroupName: "EvdSmall",
    });
  });

  it("sends every alarm to the topic given in props", async () => {
    const config = parseConfig(
      { sources: [{ type: "schedule", cron: "0 * * * *", handler: "h" }], handlers: { h: { prompt: "x" } } },
      { where: "test", env: {} },
    );
    const app = new App({ context: { "aws:cdk:bundling-stacks": [] }, builtinCloudFormationValidation: false });
    const stack = new Stack(app, "WithTopic");
    const topic = new sns.Topic(stack, "Alarms");
    new EventDrivenOrchestrator(stack, "Orchestrator", {
      config,
      deployBundle: { config, recipes: {} },
      secretMode: SecretMode.CREATE,
      alarmTopic: topic,
      maxQueueAge: Duration.minutes(30),
      runnerMemoryMiB: 2048,
    });
    const template = Template.fromStack(stack);
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm")) as {
      Properties: { AlarmActions: unknown[] };
    }[];
    assert.equal(alarms.length, 8, "no API here: no API 5xx or 429 alarm");
    for (const alarm of alarms)
      assert.deepEqual(alarm.Properties.AlarmActions, [
        { Ref: Object.keys(template.findResources("AWS::SNS::Topic"))[0] },
      ]);
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateAgeOfOldestMessage",
      Threshold: 1800,
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("runner"),
      MemorySize: 2048,
    });
    template.resourceCountIs("AWS::ApiGatewayV2::Api", 0);
    assert.equal(template.findOutputs("ApiUrl") && Object.keys(template.findOutputs("ApiUrl")).length, 0);
  });
});

describe("refusals", () => {
  const build =
    (config: unknown, props: Record<string, unknown> = {}) =>
    () => {
      const parsed = parseConfig(config, { where: "test", env: {} });
      const stack = new Stack(
        new App({ context: { "aws:cdk:bundling-stacks": [] }, builtinCloudFormationValidation: false }),
        "Refused",
      );
      new EventDrivenOrchestrator(stack, "Orchestrator", {
        config: parsed,
        deployBundle: { config: parsed, recipes: {} },
        ...props,
      });
    };
  const handlers = { h: { prompt: "x" } };

  it("refuses a cron EventBridge cannot express, naming the source", () => {
    assert.throws(
      build({ sources: [{ type: "schedule", cron: "0 9 1 * MON", handler: "h" }], handlers }),
      (err: unknown) =>
        err instanceof OrchestratorPropsError &&
        err.where === "config.sources[0].cron" &&
        /Split it into two schedules/.test(err.message),
    );
  });

  it("refuses a route path API Gateway cannot take literally", () => {
    assert.throws(
      build({ sources: [{ type: "webhook", path: "/hooks/{id}", handler: "h", signature: "none" }], handlers }),
      (err: unknown) => err instanceof OrchestratorPropsError && err.where === "config.sources[0].path",
    );
  });

  it("refuses a handler timeout that does not fit the runner Lambda with the time to record the outcome", async () => {
    await assert.rejects(
      synthYaml(SMALL("cloud:\n  runner_timeout_seconds: 120\n")),
      (err: Error) =>
        err instanceof OrchestratorPropsError &&
        err.where === "config.handlers.report.timeout_ms" &&
        /300000 ms does not fit the runner Lambda: its 120 s timeout.*leaves 90000 ms/.test(err.message),
    );
  });

  it("refuses an ingest timeout API Gateway cannot wait for", () => {
    assert.throws(
      build({ handlers }, { ingestTimeout: Duration.seconds(45) }),
      (err: unknown) => err instanceof OrchestratorPropsError && err.where === "props.ingestTimeout",
    );
  });

  it("refuses a memory size Lambda does not offer", () => {
    assert.throws(
      build({ handlers }, { runnerMemoryMiB: 64 }),
      /props.runnerMemoryMiB: must be an integer from 128 to 10240; got 64/,
    );
  });
});

describe("which config the app deploys", () => {
  const opts = { cwd: REPO_ROOT, context: { "aws:cdk:bundling-stacks": [] }, cloudFormationValidation: false };

  it("takes -c config first, then EVD_CONFIG, then examples/pr-review.yaml", async () => {
    const fromContext = await buildApp({
      ...opts,
      env: { EVD_CONFIG: "examples/quickstart.yaml" },
      context: { ...opts.context, config: "examples/webhook-integration.yaml" },
    });
    assert.equal(fromContext.configPath, join(REPO_ROOT, "examples", "webhook-integration.yaml"));
    const fromEnv = await buildApp({ ...opts, env: { EVD_CONFIG: "examples/scheduled-reports.yaml" } });
    assert.equal(fromEnv.configPath, join(REPO_ROOT, "examples", "scheduled-reports.yaml"));
    const byDefault = await buildApp({ ...opts, env: {} });
    assert.equal(byDefault.configPath, join(REPO_ROOT, DEFAULT_CONFIG_PATH));
    assert.equal(byDefault.stack.stackName, "EvdPrReview");
  });

  it("deploys one config as two stacks (-c stackName) whose secrets and dashboards do not collide", async () => {
    const stackOf = async (stackName: string) => {
      const built = await buildApp({ ...opts, env: {}, context: { ...opts.context, stackName } });
      const template = Template.fromStack(built.stack).toJSON() as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
      const names = (type: string, key: string) =>
        Object.values(template.Resources)
          .filter((r) => r.Type === type)
          .map((r) => JSON.stringify(r.Properties[key]));
      return {
        secrets: names("AWS::SecretsManager::Secret", "Name"),
        dashboards: names("AWS::CloudWatch::Dashboard", "DashboardName"),
      };
    };
    const [staging, production] = await Promise.all([stackOf("EvdStaging"), stackOf("EvdProduction")]);
    assert.equal(staging.secrets.length, 2);
    assert.deepEqual(
      staging.secrets.filter((n) => production.secrets.includes(n)),
      [],
      "no secret name in common",
    );
    assert.notDeepEqual(staging.dashboards, production.dashboards);
  });

  it("mails the alarms through an SSL-only SNS topic when -c alarmEmail is given", async () => {
    const s = await synthConfig("examples/webhook-integration.yaml", { context: { alarmEmail: "oncall@example.com" } });
    s.template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "oncall@example.com" });
    s.template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
    const topicId = Object.keys(s.template.findResources("AWS::SNS::Topic"))[0]!;
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
    assert.deepEqual(
      nagFindings(s).map((v) => v.ruleName),
      [],
    );
  });

  it("warns that hook modules and literal secrets do not deploy as they run locally", async () => {
    const s = await synthConfig("examples/hooks/evd.yaml");
    const warnings = Annotations.fromStack(s.stack)
      .findWarning("*", Match.anyValue())
      .map((w) => String(w.entry.data));
    assert.ok(
      warnings.some((w) => /2 hook module\(s\): the Lambda functions do not load hook modules/.test(w)),
      warnings.join("\n"),
    );
    assert.ok(
      warnings.some((w) => /config.sources\[0\].secret holds a literal value/.test(w)),
      warnings.join("\n"),
    );
  });

  it("refuses an unknown secrets mode", async () => {
    await assert.rejects(
      buildApp({ ...opts, env: {}, context: { ...opts.context, secrets: "borrow" } }),
      /context secrets: expected "create" or "import"; got "borrow"/,
    );
  });
});
