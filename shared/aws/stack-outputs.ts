/** CloudFormation stack outputs -> the resource names the `evd cloud` verbs need. */
import { DescribeStacksCommand, type CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { AwsAdapterError } from "./errors.ts";

export interface CloudResources {
  readonly tableName?: string;
  readonly queueUrl?: string;
  readonly dlqUrl?: string;
  readonly apiUrl?: string;
  readonly scheduleGroup?: string;
}

/**
 * Output keys recognised (CDK prefixes output ids inside constructs, so a key ENDING with one of
 * these matches): `TableName`, `JobQueueUrl` / `QueueUrl`, `DeadLetterQueueUrl` / `DlqUrl`,
 * `ApiUrl`, `ScheduleGroupName`.
 */
const SUFFIXES: ReadonlyArray<readonly [keyof CloudResources, readonly string[]]> = [
  ["dlqUrl", ["DeadLetterQueueUrl", "DlqUrl", "DLQUrl"]],
  ["queueUrl", ["JobQueueUrl", "QueueUrl"]],
  ["tableName", ["TableName"]],
  ["apiUrl", ["ApiUrl", "ApiEndpoint", "WebhookUrl"]],
  ["scheduleGroup", ["ScheduleGroupName", "ScheduleGroup"]],
];

export function resourcesFromOutputs(outputs: Readonly<Record<string, string>>): CloudResources {
  const found: Record<string, string> = {};
  for (const [key, value] of Object.entries(outputs)) {
    for (const [field, suffixes] of SUFFIXES) {
      if (found[field] === undefined && suffixes.some((s) => key.endsWith(s)) && !(field === "queueUrl" && /d(ead)?l(etter)?q/i.test(key))) {
        found[field] = value;
        break;
      }
    }
  }
  return found as CloudResources;
}

export async function describeStackOutputs(client: CloudFormationClient, stackName: string): Promise<Record<string, string>> {
  let out;
  try {
    out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (err) {
    throw new AwsAdapterError(`reading the outputs of stack "${stackName}" failed: ${(err as Error).message}`, { cause: err });
  }
  const stack = out.Stacks?.[0];
  if (!stack) throw new AwsAdapterError(`stack "${stackName}" not found`);
  return Object.fromEntries((stack.Outputs ?? []).filter((o) => o.OutputKey && o.OutputValue !== undefined).map((o) => [o.OutputKey!, o.OutputValue!]));
}
