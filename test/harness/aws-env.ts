/**
 * The AWS-compatible endpoints the integration suite runs against. Started ONCE per test process
 * (DynamoDB Local takes seconds) and stopped at the end. When `AWS_ENDPOINT_URL` is set, nothing
 * is started: every service uses that endpoint (LocalStack, or a real account with its own creds).
 */
import { startDynamoLocal } from "../../local/cloud-local/emulators/dynamodb-local.ts";
import type { RunningServer } from "../../local/cloud-local/emulators/http-service.ts";
import { startSchedulerServer } from "../../local/cloud-local/emulators/scheduler-emulator.ts";
import { startSqsEmulator } from "../../local/cloud-local/emulators/sqs-emulator.ts";

export interface AwsTestEnv {
  readonly region: string;
  /** Static fake credentials for emulators; undefined for an external endpoint (default chain). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string; readonly scheduler: string };
  /** True when the endpoints are emulators this process started. */
  readonly local: boolean;
  stop(): Promise<void>;
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
      },
      local: false,
      async stop() {},
    };
  }
  const settled = await Promise.allSettled([startDynamoLocal(), startSqsEmulator(), startSchedulerServer({ region })]);
  const started = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(started.map((s) => s.stop()));
    throw failed.reason;
  }
  const [dynamo, sqs, scheduler] = started as [RunningServer, RunningServer, RunningServer];
  return {
    region,
    credentials: { ...FAKE_CREDENTIALS },
    endpoints: { dynamodb: dynamo.endpoint, sqs: sqs.endpoint, scheduler: scheduler.endpoint },
    local: true,
    async stop() {
      await Promise.all(started.map((s) => s.stop()));
    },
  };
}
