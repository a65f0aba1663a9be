/**
 * Template assertions on the stack of the spec's configuration example and of the cloud example
 * (examples/pr-review.yaml): the properties that matter, never a whole-template snapshot.
 * Each config is synthesized once (no bundling) and shared by the assertions.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import { Validations } from "aws-cdk-lib";
import { nagFindings, SPEC_CONFIG, synthConfig, synthYaml, type Synthesized } from "./fixtures/synth.ts";

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
  Effect: string;
};

function resourcesOf(s: Synthesized, type: string): Record<string, Resource> {
  return s.template.findResources(type) as Record<string, Resource>;
}

function onlyLogicalId(s: Synthesized, type: string, prefix: string): string {
  const ids = Object.keys(resourcesOf(s, type)).filter((id) => id.startsWith(prefix));
  assert.equal(ids.length, 1, `one ${type} starting with ${prefix}; found ${ids.join(", ")}`);
  return ids[0]!;
}

/** The statements of the default policy of the role whose logical id starts with `rolePrefix`. */
function statementsOf(s: Synthesized, rolePrefix: string): Statement[] {
  const roleId = onlyLogicalId(s, "AWS::IAM::Role", rolePrefix);
  const policies = Object.values(resourcesOf(s, "AWS::IAM::Policy")).filter((p) =>
    (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId),
  );
  return policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (st: Statement): string[] => (Array.isArray(st.Action) ? st.Action : [st.Action]);
const resourcesOfStatement = (st: Statement): unknown[] => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]);
const getAtt = (id: string, attr = "Arn") => ({ "Fn::GetAtt": [id, attr] });
/** "action resource" pairs, sorted: independent of how statements are merged (minimizePolicies). */
const grantsOf = (statements: Statement[]): string[] =>
  statements
    .flatMap((st) => actionsOf(st).flatMap((a) => resourcesOfStatement(st).map((r) => `${a} ${JSON.stringify(r)}`)))
    .sort();

describe("stack of the spec's configuration example", () => {
  let s: Synthesized;
  let queueId: string;
  let dlqId: string;
  let tableId: string;
  before(async () => {
    s = await synthYaml(SPEC_CONFIG);
    queueId = onlyLogicalId(s, "AWS::SQS::Queue", "OrchestratorQueuesJobQueue");
    dlqId = onlyLogicalId(s, "AWS::SQS::Queue", "OrchestratorQueuesDeadLetterQueue");
    tableId = onlyLogicalId(s, "AWS::DynamoDB::Table", "OrchestratorStateTable");
  });

  it("has one POST route per distinct GitHub/webhook path, all to the ingest function", () => {
    s.template.resourceCountIs("AWS::ApiGatewayV2::Route", 2);
    s.template.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "POST /github" });
    s.template.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "POST /hooks/deploy" });
    s.template.hasResourceProperties("AWS::ApiGatewayV2::Api", { ProtocolType: "HTTP" });
    s.template.hasResourceProperties("AWS::ApiGatewayV2::Integration", {
      IntegrationType: "AWS_PROXY",
      PayloadFormatVersion: "2.0",
      IntegrationUri: getAtt(onlyLogicalId(s, "AWS::Lambda::Function", "OrchestratorIngestFunction")),
    });
  });

  it("throttles the default stage and writes access logs to a log group", () => {
    s.template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: {
        DestinationArn: getAtt(onlyLogicalId(s, "AWS::Logs::LogGroup", "OrchestratorWebhooksAccessLogs")),
        Format: Match.stringLikeRegexp("\\$context.requestId"),
      },
    });
  });

  it("converts the spec's crons to EventBridge expressions with their time zones", () => {
    s.template.resourceCountIs("AWS::Scheduler::Schedule", 2);
    s.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      Name: "weekly-summary-schedule-4",
      ScheduleExpression: "cron(0 9 ? * MON *)",
      ScheduleExpressionTimezone: "UTC",
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
    });
    s.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      Name: "health-check-schedule-5",
      ScheduleExpression: "cron(0 */4 * * ? *)",
      ScheduleExpressionTimezone: "America/New_York",
    });
  });

  it("targets the job queue with the schedule message, a retry policy and the DLQ", () => {
    const schedules = Object.values(resourcesOf(s, "AWS::Scheduler::Schedule"));
    const roleArn = getAtt(onlyLogicalId(s, "AWS::IAM::Role", "OrchestratorSchedulesRole"));
    for (const schedule of schedules) {
      const target = schedule.Properties.Target as Record<string, unknown>;
      assert.deepEqual(target.Arn, getAtt(queueId));
      assert.deepEqual(target.DeadLetterConfig, { Arn: getAtt(dlqId) });
      assert.deepEqual(target.RetryPolicy, { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 5 });
      assert.deepEqual(target.RoleArn, roleArn);
      assert.deepEqual(JSON.parse(target.Input as string), {
        kind: "schedule",
        schedule: schedule.Properties.Name,
        scheduled_time: "<aws.scheduler.scheduled-time>",
      });
      assert.equal(schedule.Properties.GroupName, "LoopEventDriven");
    }
  });

  it("lets only EventBridge Scheduler, for this group's schedules, assume the schedule role, which may only send to the queue and DLQ", () => {
    s.template.hasResourceProperties("AWS::IAM::Role", {
      Description: Match.stringLikeRegexp("EventBridge Scheduler"),
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: "scheduler.amazonaws.com" },
            Condition: {
              StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
              ArnLike: {
                "aws:SourceArn": Match.objectLike({
                  "Fn::Join": ["", Match.arrayWith([":schedule/LoopEventDriven/*"])],
                }),
              },
            },
          }),
        ],
      },
    });
    assert.deepEqual(grantsOf(statementsOf(s, "OrchestratorSchedulesRole")), [
      `sqs:SendMessage ${JSON.stringify(getAtt(dlqId))}`,
      `sqs:SendMessage ${JSON.stringify(getAtt(queueId))}`,
    ]);
  });

  it("sizes the job queue for the runner and wires the DLQ with maxReceiveCount = retry.max_attempts", () => {
    s.template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 6 * 900,
      ReceiveMessageWaitTimeSeconds: 20,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: getAtt(dlqId), maxReceiveCount: 3 },
    });
    s.template.hasResourceProperties("AWS::SQS::Queue", {
      MessageRetentionPeriod: 14 * 86400,
      SqsManagedSseEnabled: true,
    });
    for (const id of [queueId, dlqId]) {
      s.template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: [Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })],
        },
      });
    }
  });

  it("feeds the runner from the queue with partial batch failures, the batch size and maxConcurrency", () => {
    s.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: getAtt(queueId),
      FunctionName: { Ref: onlyLogicalId(s, "AWS::Lambda::Function", "OrchestratorRunnerFunction") },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 3 },
    });
    const runner = resourcesOf(s, "AWS::Lambda::Function")[
      onlyLogicalId(s, "AWS::Lambda::Function", "OrchestratorRunnerFunction")
    ]!;
    assert.equal(runner.Properties.ReservedConcurrentExecutions, undefined);
  });

  it("creates one on-demand, encrypted table with pk/sk, TTL on expires_at, PITR and the narrow, write-sharded log index", () => {
    s.template.resourceCountIs("AWS::DynamoDB::Table", 1);
    s.template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: "log",
          KeySchema: [
            { AttributeName: "logpk", KeyType: "HASH" },
            { AttributeName: "logsk", KeyType: "RANGE" },
          ],
          Projection: {
            ProjectionType: "INCLUDE",
            NonKeyAttributes: ["kind", "event_id", "job_ids", "dropped_reason", "job_id", "handler", "status"],
          },
        },
      ],
    });
  });

  it("keeps events too large for an item or a message in an encrypted, TLS-only, private bucket that expires with the event log", () => {
    const bucketId = onlyLogicalId(s, "AWS::S3::Bucket", "OrchestratorPayloadsBucket");
    s.template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ ExpirationInDays: 30, Prefix: "events/", Status: "Enabled" })],
      },
    });
    s.template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })],
      },
    });
    const objects = (prefix: string) => grantsOf(statementsOf(s, prefix)).filter((g) => g.startsWith("s3:"));
    assert.deepEqual(
      objects("OrchestratorIngestRole").map((g) => g.split(" ")[0]),
      ["s3:PutObject"],
      "ingest only writes large events",
    );
    assert.deepEqual(
      objects("OrchestratorRunnerRole").map((g) => g.split(" ")[0]),
      ["s3:GetObject"],
      "the runner only reads them",
    );
    s.template.hasOutput("PayloadBucket", { Value: { Ref: bucketId } });
  });

  it("builds both functions for nodejs22.x on arm64 with the orchestrator environment and their own log groups", () => {
    for (const name of ["Ingest", "Runner"]) {
      const id = onlyLogicalId(s, "AWS::Lambda::Function", `Orchestrator${name}Function`);
      s.template.hasResourceProperties("AWS::Lambda::Function", {
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        LoggingConfig: { LogGroup: { Ref: onlyLogicalId(s, "AWS::Logs::LogGroup", `Orchestrator${name}LogGroup`) } },
        Environment: {
          Variables: Match.objectLike({
            EVD_TABLE_NAME: { Ref: tableId },
            EVD_QUEUE_URL: { Ref: queueId },
            EVD_DLQ_URL: { Ref: dlqId },
            EVD_BUNDLE_PATH: "/var/task/evd-bundle.json",
            EVD_LEASE_MS: "900000",
            EVD_MAX_RECEIVE_COUNT: "3",
            EVD_SECRETS: Match.anyValue(),
          }),
        },
      });
      assert.ok(id);
    }
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("runner"),
      Timeout: 900,
    });
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("ingest"),
      Timeout: 6,
    });
    for (const group of Object.values(resourcesOf(s, "AWS::Logs::LogGroup")))
      assert.equal(group.Properties.RetentionInDays, 30);
    for (const role of Object.values(resourcesOf(s, "AWS::IAM::Role")))
      assert.equal(role.Properties.ManagedPolicyArns, undefined, "no managed policies");
  });

  it("creates a secret per reference with a generated placeholder, never a value from the config", () => {
    const secrets = Object.values(resourcesOf(s, "AWS::SecretsManager::Secret"));
    assert.deepEqual(secrets.map((x) => x.Properties.Name).sort(), [
      "LoopEventDriven/GITHUB_WEBHOOK_SECRET",
      "LoopEventDriven/WEBHOOK_SECRET",
    ]);
    for (const secret of secrets) {
      assert.equal(secret.Properties.SecretString, undefined);
      assert.ok(secret.Properties.GenerateSecretString);
    }
  });

  it("lets the ingest role only send to the job queue (and read its depth: queue_overflow drop), touch event-log items and read its secrets", () => {
    const statements = statementsOf(s, "OrchestratorIngestRole");
    const sqs = statements.filter((st) => actionsOf(st).some((a) => a.startsWith("sqs:")));
    assert.deepEqual(grantsOf(sqs), [
      `sqs:GetQueueAttributes ${JSON.stringify(getAtt(queueId))}`,
      `sqs:SendMessage ${JSON.stringify(getAtt(queueId))}`,
    ]);
    const dynamo = statements.filter((st) => actionsOf(st).some((a) => a.startsWith("dynamodb:")));
    assert.equal(dynamo.length, 1);
    assert.deepEqual(dynamo[0]!.Resource, getAtt(tableId));
    assert.deepEqual(actionsOf(dynamo[0]!).sort(), [
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]);
    assert.deepEqual(dynamo[0]!.Condition, {
      "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["EVENT#*", "CKEY#*", "BREAKER#*"] },
    });
    const others = statements.filter((st) => !sqs.includes(st) && !dynamo.includes(st));
    for (const st of others) {
      assert.ok(
        actionsOf(st).every(
          (a) => a === "secretsmanager:GetSecretValue" || a.startsWith("logs:") || a === "s3:PutObject",
        ),
        `unexpected ${actionsOf(st).join(",")}`,
      );
    }
    const secretIds = (name: string) =>
      Object.entries(resourcesOf(s, "AWS::SecretsManager::Secret"))
        .filter(([, r]) => String(r.Properties.Name).endsWith(name))
        .map(([id]) => JSON.stringify({ Ref: id }));
    const read = grantsOf(statements).filter((g) => g.startsWith("secretsmanager:"));
    assert.deepEqual(
      read,
      [...secretIds("/GITHUB_WEBHOOK_SECRET"), ...secretIds("/WEBHOOK_SECRET")]
        .map((r) => `secretsmanager:GetSecretValue ${r}`)
        .sort(),
      "ingest reads the two webhook secrets and nothing else",
    );
    assert.ok(
      statements.every((st) => !resourcesOfStatement(st).includes("*")),
      "no Resource: *",
    );
    assert.ok(statements.every((st) => !actionsOf(st).some((a) => a.includes("bedrock"))));
  });

  it("lets the runner use only its table, the queue, the DLQ, the payload objects, its secrets and its log group", () => {
    const statements = statementsOf(s, "OrchestratorRunnerRole");
    const allowed = new Set([
      JSON.stringify({
        "Fn::Join": ["", [getAtt(onlyLogicalId(s, "AWS::S3::Bucket", "OrchestratorPayloadsBucket")), "/events/*"]],
      }),
      JSON.stringify(getAtt(tableId)),
      JSON.stringify(getAtt(queueId)),
      JSON.stringify(getAtt(dlqId)),
      JSON.stringify(getAtt(onlyLogicalId(s, "AWS::Logs::LogGroup", "OrchestratorRunnerLogGroup"))),
      ...Object.keys(resourcesOf(s, "AWS::SecretsManager::Secret")).map((id) => JSON.stringify({ Ref: id })),
    ]);
    for (const st of statements) {
      assert.equal(st.Effect, "Allow");
      for (const r of resourcesOfStatement(st))
        assert.ok(allowed.has(JSON.stringify(r)), `runner may not use ${JSON.stringify(r)}`);
    }
    const dlq = JSON.stringify(getAtt(dlqId));
    assert.deepEqual(
      grantsOf(statements).filter((g) => g.endsWith(` ${dlq}`)),
      [`sqs:SendMessage ${dlq}`],
    );
    assert.ok(
      statements.every((st) => !actionsOf(st).some((a) => a.includes("bedrock"))),
      "no Bedrock without a bedrock provider",
    );
    assert.ok(
      statements.every((st) => !actionsOf(st).some((a) => a.startsWith("secretsmanager:"))),
      "the runner reads no webhook secret: the spec's config gives it none of its own",
    );
    assert.deepEqual(
      statements.flatMap((st) => actionsOf(st).filter((a) => a.startsWith("dynamodb:"))).sort(),
      ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      "no Query, DeleteItem or ConditionCheckItem: the runner never calls them",
    );
  });

  it("keeps the secrets it creates when the stack is deleted, named after the stack", () => {
    for (const [, secret] of Object.entries(s.template.findResources("AWS::SecretsManager::Secret"))) {
      assert.equal((secret as { DeletionPolicy?: string }).DeletionPolicy, "Retain");
      assert.match(String((secret as Resource).Properties.Name), /^LoopEventDriven\//);
    }
  });

  it("alarms on a source the storm breaker paused (the ingest's source_paused metric); no X-Ray unless asked", () => {
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "source_paused",
      Namespace: "LoopEventDriven",
      Dimensions: [{ Name: "service", Value: "ingest" }],
      Statistic: "Sum",
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
    for (const fn of Object.values(resourcesOf(s, "AWS::Lambda::Function")))
      assert.equal(fn.Properties.TracingConfig, undefined);
  });

  it("alarms on a non-empty DLQ, runner errors and queue age, with a dashboard", () => {
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      Dimensions: [{ Name: "QueueName", Value: getAtt(dlqId, "QueueName") }],
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "Errors",
      Namespace: "AWS/Lambda",
      Dimensions: [
        {
          Name: "FunctionName",
          Value: { Ref: onlyLogicalId(s, "AWS::Lambda::Function", "OrchestratorRunnerFunction") },
        },
      ],
    });
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateAgeOfOldestMessage",
      Dimensions: [{ Name: "QueueName", Value: getAtt(queueId, "QueueName") }],
      Threshold: 1800,
    });
    s.template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
  });

  it("alarms on what loses deliveries silently: API 5xx and 429, ingest 503, Lambda and DynamoDB throttles", () => {
    const alarms = Object.entries(resourcesOf(s, "AWS::CloudWatch::Alarm"));
    const byId = (prefix: string) => {
      const found = alarms.filter(([id]) => id.startsWith(`OrchestratorMonitoring${prefix}`));
      assert.equal(found.length, 1, `one alarm ${prefix}`);
      return found[0]![1].Properties;
    };
    assert.deepEqual(byId("ApiServerErrors").MetricName, "5xx");
    assert.deepEqual(byId("ApiThrottled").MetricName, "api_throttled");
    s.template.hasResourceProperties("AWS::Logs::MetricFilter", {
      FilterPattern: "{ $.status = 429 }",
      LogGroupName: { Ref: onlyLogicalId(s, "AWS::Logs::LogGroup", "OrchestratorWebhooksAccessLogs") },
      MetricTransformations: [Match.objectLike({ MetricNamespace: "LoopEventDriven", MetricName: "api_throttled" })],
    });
    assert.deepEqual(byId("IngestUnavailable").Dimensions, [
      { Name: "service", Value: "ingest" },
      { Name: "status", Value: "503" },
    ]);
    assert.equal(byId("IngestThrottles").MetricName, "Throttles");
    assert.equal(byId("RunnerThrottles").MetricName, "Throttles");
    const table = byId("TableThrottles").Metrics as { MetricStat?: { Metric: { MetricName: string } } }[];
    assert.deepEqual(table.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : [])).sort(), [
      "ReadThrottleEvents",
      "WriteThrottleEvents",
      "WriteThrottleEvents",
    ]);
  });

  it("names the dashboard after the stack and its region (dashboard names are global to the account)", () => {
    s.template.hasResourceProperties("AWS::CloudWatch::Dashboard", {
      DashboardName: { "Fn::Join": ["", ["LoopEventDriven-", { Ref: "AWS::Region" }]] },
    });
  });

  it("outputs what the CLI reads", () => {
    for (const key of ["ApiUrl", "QueueUrl", "DlqUrl", "TableName", "ScheduleGroup", "ScheduleNames"])
      s.template.hasOutput(key, {});
    s.template.hasOutput("ScheduleNames", { Value: "weekly-summary-schedule-4,health-check-schedule-5" });
    s.template.hasOutput("QueueUrl", { Value: { Ref: queueId } });
    s.template.hasOutput("ApiUrl", {
      Value: getAtt(onlyLogicalId(s, "AWS::ApiGatewayV2::Api", "OrchestratorWebhooksApi"), "ApiEndpoint"),
    });
    const urls = JSON.stringify(s.template.findOutputs("WebhookUrls"));
    assert.match(urls, /"\/github,/);
    assert.match(urls, /"\/hooks\/deploy"/);
  });

  it("passes cdk-nag AwsSolutions with no unacknowledged finding", () => {
    assert.deepEqual(
      nagFindings(s).map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(" ")}`),
      [],
    );
    assert.deepEqual(Annotations.fromStack(s.stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*")), []);
  });

  it("gives every cdk-nag acknowledgment a written reason", () => {
    const acknowledged = s.stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY));
    assert.ok(acknowledged.length > 0);
    for (const entry of acknowledged) {
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        assert.ok(/AwsSolutions-/.test(id), id);
        assert.ok(typeof reason === "string" && reason.length >= 40, `${id} needs a reason`);
      }
    }
  });
});

describe("stack of examples/pr-review.yaml", () => {
  let s: Synthesized;
  before(async () => {
    s = await synthConfig("examples/pr-review.yaml");
  });

  it("names the stack, the group and the secrets after the config's cloud section", () => {
    assert.equal(s.stack.stackName, "EvdPrReview");
    s.template.resourceCountIs("AWS::ApiGatewayV2::Route", 1);
    s.template.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "POST /github" });
    s.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      Name: "weekly-digest",
      GroupName: "EvdPrReview",
      ScheduleExpression: "cron(0 9 ? * MON *)",
      ScheduleExpressionTimezone: "Europe/Paris",
    });
    const names = Object.values(resourcesOf(s, "AWS::SecretsManager::Secret"))
      .map((x) => x.Properties.Name)
      .sort();
    assert.deepEqual(names, ["EvdPrReview/GITHUB_TOKEN", "EvdPrReview/GITHUB_WEBHOOK_SECRET"]);
    s.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", { ScalingConfig: { MaximumConcurrency: 4 } });
  });

  it("reads the SSM parameter the config maps a secret to, and no other", () => {
    const ssm = statementsOf(s, "OrchestratorRunnerRole").filter((st) =>
      actionsOf(st).some((a) => a.startsWith("ssm:")),
    );
    assert.equal(ssm.length, 1);
    assert.deepEqual(actionsOf(ssm[0]!), ["ssm:GetParameter"]);
    assert.match(JSON.stringify(ssm[0]!.Resource), /:parameter\/evd\/slack-webhook-url"/);
  });

  it("maps in each function's EVD_SECRETS the secrets it reads, and only those", () => {
    const secretsOf = (name: string) => {
      const fn = Object.values(resourcesOf(s, "AWS::Lambda::Function")).find((f) =>
        String(f.Properties.Description).includes(name),
      )!;
      return JSON.stringify(
        (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.EVD_SECRETS,
      );
    };
    const runner = secretsOf("runner");
    for (const ref of ["GITHUB_TOKEN", "SLACK_WEBHOOK_URL"]) assert.match(runner, new RegExp(ref));
    assert.match(runner, /ssm:\/evd\/slack-webhook-url/);
    assert.doesNotMatch(runner, /GITHUB_WEBHOOK_SECRET/);
    const ingest = secretsOf("ingest");
    assert.match(ingest, /GITHUB_WEBHOOK_SECRET/);
    assert.doesNotMatch(ingest, /GITHUB_TOKEN|SLACK_WEBHOOK_URL/);
  });

  it("lets the runner invoke exactly the configured Bedrock inference profile and its model", () => {
    const bedrock = statementsOf(s, "OrchestratorRunnerRole").filter((st) =>
      actionsOf(st).some((a) => a.startsWith("bedrock:")),
    );
    assert.equal(bedrock.length, 1);
    assert.deepEqual(actionsOf(bedrock[0]!), ["bedrock:InvokeModel"]);
    assert.deepEqual(bedrock[0]!.Resource, [
      {
        "Fn::Join": [
          "",
          [
            "arn:",
            { Ref: "AWS::Partition" },
            ":bedrock:",
            { Ref: "AWS::Region" },
            ":",
            { Ref: "AWS::AccountId" },
            ":inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
          ],
        ],
      },
      {
        "Fn::Join": [
          "",
          ["arn:", { Ref: "AWS::Partition" }, ":bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"],
        ],
      },
    ]);
    assert.ok(
      statementsOf(s, "OrchestratorIngestRole").every((st) => !actionsOf(st).some((a) => a.startsWith("bedrock:"))),
    );
  });

  it("passes cdk-nag AwsSolutions with no unacknowledged finding", () => {
    assert.deepEqual(
      nagFindings(s).map((v) => v.ruleName),
      [],
    );
  });
});
