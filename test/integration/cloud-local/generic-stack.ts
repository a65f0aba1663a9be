/**
 * A hand-written cloud assembly that is not evd's: inline (CommonJS) functions, an HTTP API with
 * a path parameter, a throttled route, a route without invoke permission, an SQS queue with a DLQ
 * polled with ReportBatchItemFailures, a schedule, a skipped alarm. `evd cloud local` must run
 * any template, from what the template says.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const GENERIC_STACK = "Generic";

/** The API function: echoes the event and its context; /slow never returns; /fail throws. */
const ECHO = `
exports.handler = async (event, context) => {
  if (event.rawPath === "/slow") { const until = Date.now() + 60000; while (Date.now() < until) {} }
  if (event.rawPath === "/fail") throw new Error("the function failed");
  if (event.rawPath === "/store") {
    const s3 = require("@aws-sdk/client-s3");
    const client = new s3.S3Client({});
    await client.send(new s3.PutObjectCommand({ Bucket: process.env.BUCKET, Key: "note.txt", Body: event.body }));
    const got = await client.send(new s3.GetObjectCommand({ Bucket: process.env.BUCKET, Key: "note.txt" }));
    return { statusCode: 200, body: await got.Body.transformToString() };
  }
  return {
    statusCode: 200,
    headers: { "content-type": "application/json", "x-greeting": process.env.GREETING },
    cookies: ["seen=1; Path=/"],
    body: JSON.stringify({
      event,
      remainingMs: context.getRemainingTimeInMillis(),
      functionName: context.functionName,
      memory: context.memoryLimitInMB,
      sdk: typeof require("@aws-sdk/client-sqs").SQSClient,
      queueUrl: process.env.QUEUE_URL,
      taskRoot: process.env.LAMBDA_TASK_ROOT,
    }),
  };
};
`;

/** The queue consumer: logs each record with its receive count; fails the records whose body is "fail". */
const CONSUMER = `
const fs = require("node:fs");
exports.handler = async (event) => {
  for (const r of event.Records)
    fs.appendFileSync(process.env.LOG_FILE, JSON.stringify({ body: r.body, count: r.attributes.ApproximateReceiveCount, source: r.eventSourceARN }) + "\\n");
  return { batchItemFailures: event.Records.filter((r) => r.body === "fail").map((r) => ({ itemIdentifier: r.messageId })) };
};
`;

const ROLE = { "Fn::GetAtt": ["Role", "Arn"] };

export function genericTemplate(
  logFile: string,
  extraEnvironment: Record<string, string> = {},
): Record<string, unknown> {
  const route = (key: string, integration: string) => ({
    Type: "AWS::ApiGatewayV2::Route",
    Properties: {
      ApiId: { Ref: "Api" },
      RouteKey: key,
      Target: { "Fn::Join": ["", ["integrations/", { Ref: integration }]] },
    },
  });
  const fn = (code: string, env: Record<string, unknown>, timeout: number) => ({
    Type: "AWS::Lambda::Function",
    Properties: {
      Runtime: "nodejs20.x",
      Handler: "index.handler",
      Timeout: timeout,
      MemorySize: 128,
      Role: ROLE,
      Code: { ZipFile: code },
      Environment: { Variables: env },
    },
  });
  return {
    Description: "not an evd stack",
    Resources: {
      Role: { Type: "AWS::IAM::Role", Properties: { AssumeRolePolicyDocument: {} } },
      Dlq: { Type: "AWS::SQS::Queue", Properties: { MessageRetentionPeriod: 1209600 } },
      Files: {
        Type: "AWS::S3::Bucket",
        Properties: { LifecycleConfiguration: { Rules: [{ Status: "Enabled", ExpirationInDays: 30 }] } },
      },
      Jobs: {
        Type: "AWS::SQS::Queue",
        Properties: {
          VisibilityTimeout: 1,
          RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": ["Dlq", "Arn"] }, maxReceiveCount: 2 },
        },
      },
      Echo: fn(
        ECHO,
        {
          QUEUE_URL: { Ref: "Jobs" },
          BUCKET: { Ref: "Files" },
          GREETING: { "Fn::Sub": "hello from ${AWS::StackName} in ${AWS::Region}" },
          ...extraEnvironment,
        },
        1,
      ),
      Hidden: fn(ECHO, {}, 3),
      Consumer: fn(CONSUMER, { LOG_FILE: logFile }, 3),
      Mapping: {
        Type: "AWS::Lambda::EventSourceMapping",
        Properties: {
          EventSourceArn: { "Fn::GetAtt": ["Jobs", "Arn"] },
          FunctionName: { Ref: "Consumer" },
          BatchSize: 10,
          FunctionResponseTypes: ["ReportBatchItemFailures"],
        },
      },
      Api: { Type: "AWS::ApiGatewayV2::Api", Properties: { Name: "generic", ProtocolType: "HTTP" } },
      EchoIntegration: {
        Type: "AWS::ApiGatewayV2::Integration",
        Properties: {
          ApiId: { Ref: "Api" },
          IntegrationType: "AWS_PROXY",
          IntegrationUri: { "Fn::GetAtt": ["Echo", "Arn"] },
          PayloadFormatVersion: "2.0",
        },
      },
      HiddenIntegration: {
        Type: "AWS::ApiGatewayV2::Integration",
        Properties: {
          ApiId: { Ref: "Api" },
          IntegrationType: "AWS_PROXY",
          IntegrationUri: { "Fn::GetAtt": ["Hidden", "Arn"] },
          PayloadFormatVersion: "2.0",
        },
      },
      EchoRoute: route("POST /echo/{name}", "EchoIntegration"),
      LimitedRoute: route("GET /limited", "EchoIntegration"),
      SlowRoute: route("GET /slow", "EchoIntegration"),
      StoreRoute: route("POST /store", "EchoIntegration"),
      FailRoute: route("GET /fail", "EchoIntegration"),
      HiddenRoute: route("GET /hidden", "HiddenIntegration"),
      Stage: {
        Type: "AWS::ApiGatewayV2::Stage",
        Properties: {
          ApiId: { Ref: "Api" },
          StageName: "$default",
          AutoDeploy: true,
          RouteSettings: { "GET /limited": { ThrottlingRateLimit: 0.01, ThrottlingBurstLimit: 2 } },
        },
      },
      EchoPermission: {
        Type: "AWS::Lambda::Permission",
        Properties: {
          Action: "lambda:InvokeFunction",
          FunctionName: { "Fn::GetAtt": ["Echo", "Arn"] },
          Principal: "apigateway.amazonaws.com",
          SourceArn: { "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/*" },
        },
      },
      Group: { Type: "AWS::Scheduler::ScheduleGroup", Properties: { Name: "generic" } },
      Every: {
        Type: "AWS::Scheduler::Schedule",
        Properties: {
          Name: "every-minute",
          GroupName: { Ref: "Group" },
          ScheduleExpression: "rate(1 minute)",
          FlexibleTimeWindow: { Mode: "OFF" },
          Target: {
            Arn: { "Fn::GetAtt": ["Jobs", "Arn"] },
            RoleArn: ROLE,
            Input: '{"at":"<aws.scheduler.scheduled-time>","from":"<aws.scheduler.schedule-arn>"}',
          },
        },
      },
      Alarm: { Type: "AWS::CloudWatch::Alarm", Properties: { Threshold: 0 } },
    },
    Outputs: {
      Url: { Value: { "Fn::GetAtt": ["Api", "ApiEndpoint"] } },
      QueueUrl: { Value: { Ref: "Jobs" } },
      DlqUrl: { Value: { Ref: "Dlq" } },
    },
  };
}

/** Writes a cloud assembly (manifest + template) holding `template` as stack `Generic`. */
export async function writeAssembly(dir: string, template: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${GENERIC_STACK}.template.json`), JSON.stringify(template));
  await writeFile(
    join(dir, "manifest.json"),
    JSON.stringify({
      version: "55.0.0",
      artifacts: {
        [GENERIC_STACK]: {
          type: "aws:cloudformation:stack",
          environment: "aws://unknown-account/us-east-1",
          properties: { templateFile: `${GENERIC_STACK}.template.json` },
        },
      },
    }),
  );
}
