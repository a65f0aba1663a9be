/**
 * Who is calling AWS in the emulator-backed tests. Each component of the cloud path signs its
 * requests with its own fake access key id, `EVD<COMPONENT><deployment>` (DynamoDB Local accepts
 * letters and digits only), so whatever sits in front of an emulator can tell from the SigV4
 * `Authorization` header which component made a call and for which test deployment. Requests
 * signed with any other key (the harness creating tables and queues, assertions reading them)
 * are the test's own and are not checked against the stack's IAM policies.
 */
import type { AwsConnection } from "../../shared/aws/aws-connection.ts";

/** The components of the cloud path that call AWS, each with its own IAM principal in the stack. */
export const Component = {
  /** The ingest Lambda (its execution role). */
  INGEST: "ingest",
  /** The runner Lambda, and the SQS event source mapping that polls for it (same execution role). */
  RUNNER: "runner",
  /** EventBridge Scheduler delivering a firing to the queue (the schedule role). */
  SCHEDULER: "scheduler",
  /** `evd cloud ...` run by an operator (the stack's operator policy). */
  CLI: "cli",
  /** `evd bridge` on a developer's machine (the stack's bridge policy). */
  BRIDGE: "bridge",
} as const;
export type Component = (typeof Component)[keyof typeof Component];

const COMPONENTS = Object.values(Component);

/** The fake account every ARN of the tests lives in. */
export const TEST_ACCOUNT = "123456789012";

export const FAKE_SECRET_KEY = "evdtest";

export function accessKeyFor(component: Component, deployment: number): string {
  return `EVD${component.toUpperCase()}${deployment}`;
}

export function credentialsFor(
  component: Component,
  deployment: number,
): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: accessKeyFor(component, deployment), secretAccessKey: FAKE_SECRET_KEY };
}

/** A connection to `endpoint` signed as `component` of test deployment `deployment`. */
export function componentConnection(
  component: Component,
  deployment: number,
  endpoint: string,
  region: string,
): AwsConnection {
  return { region, endpoint, credentials: credentialsFor(component, deployment) };
}

export interface CallerIdentity {
  /** Undefined for the harness's own calls. */
  readonly component?: Component;
  readonly deployment?: number;
  readonly accessKeyId: string;
  /** From the SigV4 credential scope. */
  readonly region: string;
  /** The signing name of the scope (`sqs`, `dynamodb`, `scheduler`, `bedrock`, `s3`...). */
  readonly signingService: string;
}

const SCOPE = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;
const KEY = new RegExp(`^EVD(${COMPONENTS.map((c) => c.toUpperCase()).join("|")})(\\d+)$`);

/** Reads the caller from a SigV4 `Authorization` header; undefined when the request is unsigned. */
export function callerOf(authorization: string | undefined): CallerIdentity | undefined {
  const scope = authorization ? SCOPE.exec(authorization) : null;
  if (!scope) return undefined;
  const [, accessKeyId, region, signingService] = scope as unknown as [string, string, string, string];
  const key = KEY.exec(accessKeyId);
  return {
    accessKeyId,
    region,
    signingService,
    ...(key ? { component: key[1]!.toLowerCase() as Component, deployment: Number(key[2]) } : {}),
  };
}
