/**
 * The AWS-compatible endpoints the integration suite runs against. Started ONCE per test process
 * (DynamoDB Local takes seconds) and stopped at the end. DynamoDB Local, SQS, Scheduler and S3 are
 * started as `evd cloud local` starts them (local/cloud-local/emulators). Each emulator sits behind a recording
 * proxy (recording-proxy.ts): every call is logged with the component that signed it (for the
 * IAM conformance check) and refused as AWS would when it is over an AWS limit. When
 * `AWS_ENDPOINT_URL` is set, nothing is started: every service uses that endpoint (LocalStack, or
 * a real account with its own creds) and components use the default credential chain.
 */
import { S3RVER_ACCESS_KEY, startS3rverProcess } from "../../local/cloud-local/emulators/s3-emulator.ts";
import { startSchedulerServer } from "../../local/cloud-local/emulators/scheduler-emulator.ts";
import { startSqsEmulator } from "../../local/cloud-local/emulators/sqs-emulator.ts";
import type { AwsConnection } from "../../shared/aws/aws-connection.ts";
import { credentialsFor, type Component } from "./aws-identity.ts";
import { startDynamoLocal, type RunningServer } from "./dynamo-local.ts";
import { startRecordingProxy } from "./recording-proxy.ts";

export interface AwsTestEnv {
  readonly region: string;
  /** Static fake credentials for emulators; undefined for an external endpoint (default chain). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly endpoints: {
    readonly dynamodb: string;
    readonly sqs: string;
    readonly scheduler: string;
    readonly s3: string;
  };
  /** True when the endpoints are emulators this process started. */
  readonly local: boolean;
  stop(): Promise<void>;
}

/** A connection to `service` signed as `component` of test deployment `deployment` (default chain when external). */
export function componentConnectionOf(
  env: AwsTestEnv,
  service: keyof AwsTestEnv["endpoints"],
  component: Component,
  deployment: number,
): AwsConnection {
  return {
    region: env.region,
    endpoint: env.endpoints[service],
    ...(env.local ? { credentials: credentialsFor(component, deployment) } : {}),
  };
}

export const FAKE_CREDENTIALS = { accessKeyId: "evdtest", secretAccessKey: "evdtest" } as const;

let shared: Promise<AwsTestEnv> | undefined;

/** The process-wide environment: the first call starts it, later calls reuse it. */
export function awsTestEnv(env: Readonly<Record<string, string | undefined>> = process.env): Promise<AwsTestEnv> {
  shared ??= startAwsTestEnv(env);
  return shared;
}

export async function startAwsTestEnv(env: Readonly<Record<string, string | undefined>>): Promise<AwsTestEnv> {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  const external = env.AWS_ENDPOINT_URL;
  if (external) {
    return {
      region,
      endpoints: {
        dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB ?? external,
        sqs: env.AWS_ENDPOINT_URL_SQS ?? external,
        scheduler: env.AWS_ENDPOINT_URL_SCHEDULER ?? external,
        s3: env.AWS_ENDPOINT_URL_S3 ?? external,
      },
      local: false,
      async stop() {},
    };
  }
  const settled = await Promise.allSettled([
    startDynamoLocal(),
    startSqsEmulator(),
    startSchedulerServer({ region }),
    startS3rverProcess(),
  ]);
  const started = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(started.map((s) => s.stop()));
    throw failed.reason;
  }
  const [dynamo, sqs, scheduler, s3] = started as [RunningServer, RunningServer, RunningServer, RunningServer];
  const proxies = await Promise.all([
    ...[dynamo, sqs, scheduler].map((s) => startRecordingProxy({ target: s.endpoint })),
    startRecordingProxy({ target: s3.endpoint, presentAccessKey: S3RVER_ACCESS_KEY }),
  ]);
  const [dynamoProxy, sqsProxy, schedulerProxy, s3Proxy] = proxies as [
    RunningServer,
    RunningServer,
    RunningServer,
    RunningServer,
  ];
  return {
    region,
    credentials: { ...FAKE_CREDENTIALS },
    endpoints: {
      dynamodb: dynamoProxy.endpoint,
      sqs: sqsProxy.endpoint,
      scheduler: schedulerProxy.endpoint,
      s3: s3Proxy.endpoint,
    },
    local: true,
    async stop() {
      await Promise.all([...proxies, ...started].map((s) => s.stop()));
    },
  };
}
