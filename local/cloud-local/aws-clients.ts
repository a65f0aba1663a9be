/**
 * SDK clients pointed at the local AWS endpoint, created on first use. `evd cloud local` creates
 * the stack's resources through the same APIs a deployment would, and runs its pollers and
 * schedules through them too.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { lazy } from "../../shared/aws/aws-connection.ts";

/** Credentials of the local endpoint: any value works; these name who calls. */
// DynamoDB Local accepts access key ids of letters and digits only.
export const LOCAL_CREDENTIALS = { accessKeyId: "evdcloudlocal", secretAccessKey: "evdcloudlocal" } as const;

export interface AwsClients {
  readonly dynamodb: () => DynamoDBClient;
  readonly sqs: () => SQSClient;
  readonly secretsManager: () => SecretsManagerClient;
  readonly ssm: () => SSMClient;
  readonly scheduler: () => SchedulerClient;
  readonly s3: () => S3Client;
  destroy(): void;
}

export function awsClients(endpoint: string, region: string): AwsClients {
  const config = { endpoint, region, credentials: { ...LOCAL_CREDENTIALS } };
  const made: { destroy(): void }[] = [];
  const make = <T extends { destroy(): void }>(build: () => T) =>
    lazy(() => {
      const c = build();
      made.push(c);
      return c;
    });
  return {
    dynamodb: make(() => new DynamoDBClient(config)),
    sqs: make(() => new SQSClient(config)),
    secretsManager: make(() => new SecretsManagerClient(config)),
    ssm: make(() => new SSMClient(config)),
    scheduler: make(() => new SchedulerClient(config)),
    s3: make(() => new S3Client({ ...config, forcePathStyle: true })),
    destroy() {
      for (const c of made) c.destroy();
    },
  };
}
