/** CloudFormation stack outputs -> the resource names the `evd cloud` verbs need. */
import { DescribeStacksCommand, type CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { AwsAdapterError } from "./errors.ts";

export interface CloudResources {
  readonly tableName?: string;
  readonly queueUrl?: string;
  readonly dlqUrl?: string;
  readonly apiUrl?: string;
  readonly scheduleGroup?: string;
  /** The claim-check bucket of large events. */
  readonly payloadBucket?: string;
}

/**
 * Output keys recognised. CDK prefixes output ids inside constructs with the construct path and
 * may add an 8-character hash, so a key is matched after dropping that hash, by how it ENDS:
 * `TableName`; a `...Url` whose key says DLQ / DeadLetter -> the DLQ, else `QueueUrl` -> the job
 * queue; `ApiUrl` / `ApiEndpoint` / `WebhookUrl`; `ScheduleGroupName` / `ScheduleGroup`.
 */
export function resourcesFromOutputs(outputs: Readonly<Record<string, string>>): CloudResources {
  const found: { -readonly [K in keyof CloudResources]: string } = {};
  const set = (field: keyof CloudResources, value: string) => {
    found[field] ??= value;
  };
  for (const [rawKey, value] of Object.entries(outputs)) {
    const key = rawKey.replace(/[0-9A-F]{8}$/, "");
    if (/(dlq|deadletter)\w*url$/i.test(key)) set("dlqUrl", value);
    else if (/queueurl$/i.test(key)) set("queueUrl", value);
    else if (/tablename$/i.test(key)) set("tableName", value);
    else if (/(apiurl|apiendpoint|webhookurl)$/i.test(key)) set("apiUrl", value);
    else if (/schedulegroup(name)?$/i.test(key)) set("scheduleGroup", value);
    else if (/payloadbucket(name)?$/i.test(key)) set("payloadBucket", value);
  }
  return found;
}

export async function describeStackOutputs(
  client: CloudFormationClient,
  stackName: string,
): Promise<Record<string, string>> {
  let out;
  try {
    out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (err) {
    throw new AwsAdapterError(`reading the outputs of stack "${stackName}" failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const stack = out.Stacks?.[0];
  if (!stack) throw new AwsAdapterError(`stack "${stackName}" not found`);
  return Object.fromEntries(
    (stack.Outputs ?? [])
      .filter((o) => o.OutputKey && o.OutputValue !== undefined)
      .map((o) => [o.OutputKey!, o.OutputValue!]),
  );
}
