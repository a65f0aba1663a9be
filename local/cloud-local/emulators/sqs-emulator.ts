/**
 * SQS: the `local-aws-sqs` npm emulator (JSON and query protocols, redrive to a DLQ after
 * maxReceiveCount, StartMessageMoveTask), as an in-process request handler. Queue URLs name the
 * endpoint it is served behind, so they work as `--queue-url` for the CLI and the SDK.
 */
import type { RequestHandler, RunningServer } from "./http-service.ts";
import { serveHandler } from "./http-service.ts";
import { EmulatorError } from "../errors.ts";

export interface SqsEmulatorOptions {
  readonly region: string;
  readonly accountId: string;
}

export interface SqsEmulator {
  readonly handler: RequestHandler;
  /** Where the handler is reachable: queue URLs are `http://<host>:<port>/<account>/<name>`. */
  setEndpoint(host: string, port: number): void;
}

interface LocalAwsSqs {
  createRequestHandler(options: Record<string, unknown>): {
    service: { PORT: number; HOSTNAME: string };
    requestHandler: RequestHandler;
  };
}

async function loadLocalAwsSqs(): Promise<LocalAwsSqs> {
  try {
    return (await import("local-aws-sqs")) as unknown as LocalAwsSqs;
  } catch (err) {
    throw new EmulatorError(
      'the SQS emulator is not installed: the npm package "local-aws-sqs" (2.0.2) provides it; run `npm ci` in the project',
      { cause: err },
    );
  }
}

export async function sqsEmulator(opts: SqsEmulatorOptions): Promise<SqsEmulator> {
  const { createRequestHandler } = await loadLocalAwsSqs();
  const { service, requestHandler } = createRequestHandler({
    port: 0,
    hostname: "127.0.0.1",
    region: opts.region,
    accountId: opts.accountId,
    // AWS makes you wait 60 s before re-creating a deleted queue's name: nothing to protect locally.
    emulateQueueCreationLifecycle: false,
    validateDlqDestination: true,
  });
  return {
    handler: requestHandler,
    setEndpoint(host, port) {
      service.HOSTNAME = host;
      service.PORT = port;
    },
  };
}

/** The emulator alone on its own port (the integration tests' harness). */
export async function startSqsEmulator(
  opts: SqsEmulatorOptions = { region: "us-east-1", accountId: "123456789012" },
): Promise<RunningServer> {
  const sqs = await sqsEmulator(opts);
  const served = await serveHandler(sqs.handler);
  sqs.setEndpoint("127.0.0.1", served.port);
  return served;
}
