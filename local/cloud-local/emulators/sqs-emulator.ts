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

/** The parts of local-aws-sqs's queue objects the receive-count fix below touches. */
interface EmulatedQueue {
  newRecord(message: unknown, delay?: number): StoredMessage;
  changeVisibility(receiptHandle: string, visibilityTimeout: string): boolean;
  delete(receiptHandle: string): boolean;
  [COUNTS_RECEIVES_ONLY]?: true;
}

interface StoredMessage {
  readonly record: { readonly MessageId: string; readonly attributes: { ApproximateReceiveCount: string } };
}

interface LocalAwsSqs {
  createRequestHandler(options: Record<string, unknown>): {
    service: { PORT: number; HOSTNAME: string; Queues: EmulatedQueue[] };
    requestHandler: RequestHandler;
  };
}

const COUNTS_RECEIVES_ONLY = Symbol("evd.countsReceivesOnly");

/** The message id inside one of local-aws-sqs's receipt handles (base64 of `<uuid>{"MessageId",...}`). */
function messageIdOf(receiptHandle: string): string | undefined {
  try {
    const text = Buffer.from(receiptHandle, "base64").toString("utf8");
    return (JSON.parse(text.slice(text.indexOf("{"))) as { MessageId?: string }).MessageId;
  } catch {
    return undefined;
  }
}

/**
 * local-aws-sqs 2.0.2 counts a ChangeMessageVisibility as a receive (ApproximateReceiveCount + 1),
 * so a consumer that sets a retry delay would reach the DLQ after fewer receives than
 * maxReceiveCount. SQS counts receives only: this puts the count back after a visibility change.
 */
function countReceivesOnly(queue: EmulatedQueue): void {
  if (queue[COUNTS_RECEIVES_ONLY]) return;
  queue[COUNTS_RECEIVES_ONLY] = true;
  const stored = new Map<string, StoredMessage>();
  const newRecord = queue.newRecord.bind(queue);
  queue.newRecord = (message, delay) => {
    const entry = newRecord(message, delay);
    stored.set(entry.record.MessageId, entry);
    return entry;
  };
  const changeVisibility = queue.changeVisibility.bind(queue);
  queue.changeVisibility = (handle, timeout) => {
    const entry = stored.get(messageIdOf(handle) ?? "");
    const count = entry?.record.attributes.ApproximateReceiveCount;
    const changed = changeVisibility(handle, timeout);
    if (entry && count !== undefined) entry.record.attributes.ApproximateReceiveCount = count;
    return changed;
  };
  const remove = queue.delete.bind(queue);
  queue.delete = (handle) => {
    const done = remove(handle);
    stored.delete(messageIdOf(handle) ?? "");
    return done;
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
    handler: (req, res) => {
      for (const queue of service.Queues) countReceivesOnly(queue);
      requestHandler(req, res);
    },
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
