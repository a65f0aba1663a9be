/**
 * The local AWS endpoint: one HTTP port in front of DynamoDB Local (a Java process, proxied), the
 * SQS emulator, Secrets Manager + SSM, Scheduler, CloudFormation (read side) and, when a stack
 * has a bucket, S3. What `AWS_ENDPOINT_URL` names for the functions, `evd cloud` and the AWS CLI.
 */
import type { AwsGatewayOptions, GatewayCall } from "./aws-gateway.ts";
import { awsGateway, proxyTo } from "./aws-gateway.ts";
import { cloudFormationEmulator, type StackDescription } from "./cloudformation-emulator.ts";
import { startDynamoLocal } from "./dynamodb-local.ts";
import {
  closeServer,
  sendAwsJsonError,
  serveHandler,
  type RequestHandler,
  type RunningServer,
} from "./http-service.ts";
import { s3Emulator, type S3Emulator } from "./s3-emulator.ts";
import { schedulerEmulator, type SchedulerEmulator } from "./scheduler-emulator.ts";
import { secretsEmulator, type SecretsEmulator } from "./secrets-emulator.ts";
import { sqsEmulator } from "./sqs-emulator.ts";

export interface LocalEndpointOptions {
  readonly region: string;
  readonly accountId: string;
  /** @default a free port */
  readonly port?: number;
  /** Called for every AWS call the endpoint routes (the SQS pollers wake up on sends). */
  readonly onCall?: (call: GatewayCall) => void;
  /**
   * DynamoDB Local, when the caller started it early (it takes seconds: `evd cloud local` starts
   * it while the synth runs); `null` for none (a stack without tables needs no Java). @default started here
   */
  readonly dynamo?: Promise<RunningServer> | null;
}

export interface LocalEndpoint {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly secrets: SecretsEmulator;
  readonly scheduler: SchedulerEmulator;
  /** The stacks DescribeStacks answers with. */
  setStacks(stacks: () => readonly StackDescription[]): void;
  /** Mounts S3 (loaded only when a stack declares a bucket). */
  enableS3(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalEndpoint(opts: LocalEndpointOptions): Promise<LocalEndpoint> {
  // DynamoDB Local takes seconds to start: requests wait for it, the rest is up at once.
  const dynamo = opts.dynamo === undefined ? startDynamoLocal() : opts.dynamo;
  dynamo?.catch(() => undefined);
  const dynamoHandler: RequestHandler | undefined = dynamo
    ? (req, res) => {
        dynamo.then(
          (d) => proxyTo(d.endpoint)(req, res),
          (err: Error) =>
            sendAwsJsonError(res, 503, "ServiceUnavailable", `DynamoDB Local did not start: ${err.message}`),
        );
      }
    : undefined;
  const sqs = await sqsEmulator({ region: opts.region, accountId: opts.accountId });
  const secrets = secretsEmulator({ region: opts.region, accountId: opts.accountId });
  const scheduler = schedulerEmulator({ region: opts.region, accountId: opts.accountId });
  let stacks: () => readonly StackDescription[] = () => [];
  const services: Record<string, RequestHandler> = {
    ...(dynamoHandler ? { dynamodb: dynamoHandler } : {}),
    sqs: sqs.handler,
    secretsmanager: secrets.handler,
    ssm: secrets.handler,
    scheduler: scheduler.handler,
    cloudformation: cloudFormationEmulator(() => stacks()),
  };
  const gatewayOptions: AwsGatewayOptions = { services, ...(opts.onCall ? { onCall: opts.onCall } : {}) };
  let served: Awaited<ReturnType<typeof serveHandler>>;
  try {
    served = await serveHandler(awsGateway(gatewayOptions), opts.port ?? 0);
  } catch (err) {
    await dynamo?.then(
      (d) => d.stop(),
      () => undefined,
    );
    throw err;
  }
  sqs.setEndpoint("127.0.0.1", served.port);
  let s3: S3Emulator | undefined;
  let dynamoServer: RunningServer | undefined;
  try {
    dynamoServer = (await dynamo) ?? undefined;
  } catch (err) {
    await closeServer(served.server);
    throw err;
  }
  return {
    endpoint: served.endpoint,
    secrets,
    scheduler,
    setStacks(fn) {
      stacks = fn;
    },
    async enableS3() {
      if (s3) return;
      s3 = await s3Emulator();
      services.s3 = s3.handler;
    },
    async stop() {
      await closeServer(served.server);
      await Promise.all([dynamoServer?.stop(), s3?.stop()]);
    },
  };
}
