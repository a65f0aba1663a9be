/**
 * Which resource types run locally and how; the others are listed, with why, and skipped (their
 * names and ARNs still resolve, so what refers to them works).
 */
import { dynamoDbTable } from "./dynamodb-table.ts";
import { httpApi, httpApiIntegration, httpApiRoute, httpApiStage } from "./http-api.ts";
import { eventSourceMapping, lambdaFunction, lambdaPermission } from "./lambda.ts";
import type { Provisioner } from "./provisioner.ts";
import { s3Bucket } from "./s3-bucket.ts";
import { schedule, scheduleGroup } from "./scheduler.ts";
import { secretsManagerSecret, ssmParameter } from "./secrets.ts";
import { sqsQueue } from "./sqs-queue.ts";

const PROVISIONERS: readonly Provisioner[] = [
  dynamoDbTable,
  sqsQueue,
  secretsManagerSecret,
  ssmParameter,
  s3Bucket,
  lambdaFunction,
  lambdaPermission,
  eventSourceMapping,
  httpApi,
  httpApiIntegration,
  httpApiRoute,
  httpApiStage,
  scheduleGroup,
  schedule,
];

const BY_TYPE = new Map(PROVISIONERS.flatMap((p) => p.types.map((t) => [t, p] as const)));

export function provisionerFor(type: string): Provisioner | undefined {
  return BY_TYPE.get(type);
}

/** Why a type is not run locally, by type prefix; the first match wins. */
const SKIP_REASONS: readonly (readonly [string, string])[] = [
  ["AWS::CDK::Metadata", ""],
  ["AWS::ApiGatewayV2::Deployment", ""],
  ["AWS::IAM::", "IAM is not enforced locally: every call is allowed"],
  ["AWS::Logs::", "logs print to this terminal"],
  ["AWS::CloudWatch::", "no metrics locally (the functions' EMF lines are in their logs)"],
  ["AWS::SQS::QueuePolicy", "queue policies are not evaluated locally"],
  ["AWS::S3::BucketPolicy", "bucket policies are not evaluated locally"],
  ["AWS::SNS::", "no notifications are sent locally"],
  ["AWS::KMS::", "encryption is not emulated"],
];

/** The note for a type that is not run locally; "" for types that need none (CDK metadata). */
export function skipReason(type: string): string {
  return SKIP_REASONS.find(([prefix]) => type.startsWith(prefix))?.[1] ?? "not emulated by evd cloud local";
}

/** What `Ref` returns for a skipped type whose Ref is its ARN rather than its name. */
export const REF_IS_ARN = new Set(["AWS::SNS::Topic", "AWS::IAM::ManagedPolicy"]);
