/**
 * The AWS-compatible endpoints the integration suite runs against. Started ONCE per test process
 * (DynamoDB Local takes seconds) and stopped at the end. When `AWS_ENDPOINT_URL` is set, nothing
 * is started: every service uses that endpoint (LocalStack, or a real account with its own creds).
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createSqsServer } from "local-aws-sqs";
import { startDynamoLocal, type RunningServer } from "./dynamo-local.ts";
import { startSchedulerServer } from "./scheduler-server.ts";

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

async function startSqs(): Promise<RunningServer> {
  const server: Server = await createSqsServer({
    port: 0,
    hostname: "127.0.0.1",
    emulateQueueCreationLifecycle: false,
    validateDlqDestination: true,
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

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
  const settled = await Promise.allSettled([startDynamoLocal(), startSqs(), startSchedulerServer({ region })]);
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
