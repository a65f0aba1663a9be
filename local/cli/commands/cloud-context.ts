/**
 * What every `evd cloud` verb works with: the global options, the SDK clients and resource names
 * resolved from them (flags, env, or the stack's outputs), and the verb wrappers cloud.ts hands
 * to each verb's module.
 */
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { S3Client } from "@aws-sdk/client-s3";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Command } from "commander";
import { lazy, sdkConfig, type AwsConnection } from "../../../shared/aws/aws-connection.ts";
import { tableRef, type TableRef } from "../../../shared/aws/dynamo-document.ts";
import { describeStackOutputs, resourcesFromOutputs, type CloudResources } from "../../../shared/aws/stack-outputs.ts";

export interface CloudGlobalOptions {
  stack?: string;
  table?: string;
  queueUrl?: string;
  dlqUrl?: string;
  endpoint?: string;
  region?: string;
  scheduleGroup?: string;
  schedulePrefix?: string;
}

/** The clients and names a verb works with; resolved once per invocation. */
export interface CloudContext {
  readonly resources: CloudResources;
  readonly sqs: () => SQSClient;
  readonly scheduler: () => SchedulerClient;
  readonly table: (name: string) => TableRef;
  /** The claim-check bucket's client (large events), when the verbs need it. */
  readonly s3?: () => S3Client;
}

export interface CloudCliDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Builds the context from the options (tests point the clients at emulators). */
  readonly context: (
    opts: CloudGlobalOptions,
    env: Readonly<Record<string, string | undefined>>,
  ) => Promise<CloudContext>;
  readonly cwd?: string;
}

/** The default context: real SDK clients, names from flags, env, or the stack's outputs. */
export async function awsCloudContext(
  opts: CloudGlobalOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<CloudContext> {
  const endpoint = opts.endpoint ?? env.AWS_ENDPOINT_URL;
  const conn: AwsConnection = {
    ...((opts.region ?? env.AWS_REGION) ? { region: opts.region ?? env.AWS_REGION } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
  const stack = opts.stack ?? env.EVD_STACK;
  const fromStack = stack
    ? resourcesFromOutputs(await describeStackOutputs(new CloudFormationClient(sdkConfig(conn)), stack))
    : {};
  const pick = (flag: string | undefined, envName: string, fromOutputs: string | undefined) =>
    flag ?? env[envName] ?? fromOutputs;
  const resources: CloudResources = {
    ...fromStack,
    ...(pick(opts.table, "EVD_TABLE_NAME", fromStack.tableName)
      ? { tableName: pick(opts.table, "EVD_TABLE_NAME", fromStack.tableName) }
      : {}),
    ...(pick(opts.queueUrl, "EVD_QUEUE_URL", fromStack.queueUrl)
      ? { queueUrl: pick(opts.queueUrl, "EVD_QUEUE_URL", fromStack.queueUrl) }
      : {}),
    ...(pick(opts.dlqUrl, "EVD_DLQ_URL", fromStack.dlqUrl)
      ? { dlqUrl: pick(opts.dlqUrl, "EVD_DLQ_URL", fromStack.dlqUrl) }
      : {}),
    ...((opts.scheduleGroup ?? fromStack.scheduleGroup)
      ? { scheduleGroup: opts.scheduleGroup ?? fromStack.scheduleGroup }
      : {}),
  };
  return {
    resources,
    sqs: lazy(() => new SQSClient(sdkConfig(conn))),
    scheduler: lazy(() => new SchedulerClient(sdkConfig(conn))),
    table: (name) => tableRef(name, conn),
    s3: lazy(() => new S3Client({ ...sdkConfig(conn), forcePathStyle: conn.endpoint !== undefined })),
  };
}

/** Resolves a verb's options and context. */
export type CloudVerbContext = (cmd: Command) => Promise<{ opts: CloudGlobalOptions; c: CloudContext }>;
/** Wraps a verb's action: errors become a message on stderr and the exit code. */
export type CloudAction = (fn: (cmd: Command) => Promise<void>) => (...args: unknown[]) => Promise<void>;
