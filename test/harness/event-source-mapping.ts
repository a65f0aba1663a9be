/**
 * The Lambda SQS event source mapping, as the synthesized stack configures it: up to
 * `maxConcurrency` pollers at once, each receiving up to `batchSize` messages, invoking a fresh
 * runner container with a Lambda context whose remaining time counts down from the function's
 * timeout, and deleting what the invocation did not report as failed. The settings are read from
 * the template, so a test of "how many pipelines run at once" tests what `cdk deploy` would deploy.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
  type ReceiveMessageCommandOutput,
} from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { Synthesized } from "../infra/fixtures/synth.ts";
import { sqsEventOf } from "./lambda-events.ts";

export interface EventSourceSettings {
  readonly batchSize: number;
  /** Concurrent invocations the mapping may make (ScalingConfig.MaximumConcurrency). */
  readonly maxConcurrency: number;
  /** The runner function's timeout. */
  readonly timeoutSeconds: number;
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

export function eventSourceSettingsOf(s: Synthesized): EventSourceSettings {
  const resources = (s.template.toJSON() as { Resources: Resources }).Resources;
  const mapping = Object.values(resources).find((r) => r.Type === "AWS::Lambda::EventSourceMapping");
  if (!mapping) throw new Error("the stack has no event source mapping");
  const fnId = (mapping.Properties.FunctionName as { Ref: string }).Ref;
  const fn = resources[fnId]!;
  const scaling = mapping.Properties.ScalingConfig as { MaximumConcurrency?: number } | undefined;
  const reserved = fn.Properties.ReservedConcurrentExecutions as number | undefined;
  return {
    batchSize: Number(mapping.Properties.BatchSize ?? 10),
    // Without a maximum, Lambda scales up to the function's reserved concurrency (or the account's).
    maxConcurrency: scaling?.MaximumConcurrency ?? reserved ?? 1000,
    timeoutSeconds: Number(fn.Properties.Timeout ?? 3),
  };
}

/** A Lambda context counting down from `timeoutMs`, or following `remaining` when given. */
export function lambdaContext(timeoutMs: number, remaining?: () => number): Context {
  const end = Date.now() + timeoutMs;
  return {
    getRemainingTimeInMillis: remaining ?? (() => Math.max(0, end - Date.now())),
    functionName: "evd-runner",
    awsRequestId: "test",
  } as unknown as Context;
}

export interface MappingRun {
  readonly invocations: number;
  readonly failures: number;
}

/**
 * Polls until `done()` says so (checked whenever a poller finds the queue empty), or `maxMs` passed.
 * `container()` builds a fresh runner for each poller (one Lambda instance each).
 */
export async function runEventSourceMapping(opts: {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly settings: EventSourceSettings;
  readonly container: () => (e: SQSEvent, c?: Context) => Promise<SQSBatchResponse>;
  readonly done: () => Promise<boolean>;
  readonly maxMs?: number;
}): Promise<MappingRun> {
  const until = Date.now() + (opts.maxMs ?? 60_000);
  let invocations = 0;
  let failures = 0;
  let finished = false;
  const poller = async (): Promise<void> => {
    const handler = opts.container();
    let idle = false;
    while (!finished && Date.now() < until) {
      const out: ReceiveMessageCommandOutput = await opts.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: opts.queueUrl,
          MaxNumberOfMessages: opts.settings.batchSize,
          // After an empty receive, long-poll (as Lambda's pollers do): the next receive returns as
          // soon as a message is visible, instead of after a fixed pause.
          WaitTimeSeconds: idle ? 1 : 0,
          AttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      );
      const messages = out.Messages ?? [];
      idle = messages.length === 0;
      if (messages.length === 0) {
        if (await opts.done()) finished = true;
        continue;
      }
      invocations++;
      const response = await handler(
        sqsEventOf(messages, opts.queueArn),
        lambdaContext(opts.settings.timeoutSeconds * 1000),
      );
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      failures += failed.size;
      const done = messages.filter((m) => !failed.has(m.MessageId!));
      if (done.length)
        await opts.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: opts.queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
    }
  };
  // More pollers than this would only wait on each other in a test.
  await Promise.all(Array.from({ length: Math.min(opts.settings.maxConcurrency, 50) }, poller));
  return { invocations, failures };
}
