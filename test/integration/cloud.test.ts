/**
 * The cloud integration suite: the AWS adapters and both Lambda handlers against real
 * AWS-compatible servers (DynamoDB Local, the SQS emulator, the in-repo Scheduler server) started
 * ONCE for this process, or AWS_ENDPOINT_URL (LocalStack / a real account) when set.
 * All emulator-using tests live behind this one file so the emulators start once, and the IAM
 * conformance check at the end sees every call they made.
 */
import { after } from "node:test";
import { awsTestEnv, type AwsTestEnv } from "../harness/aws-env.ts";
import { approvalGatesSuite } from "./suites/approval-gates.ts";
import { awsLimitsSuite } from "./suites/aws-limits.ts";
import { cloudCliSuite } from "./suites/cloud-cli.ts";
import { cloudDashboardSuite } from "./suites/cloud-dashboard.ts";
import { deliveryFlowSuite } from "./suites/delivery-flow.ts";
import { failureFlowSuite } from "./suites/failure-flow.ts";
import { guardrailsFlowSuite } from "./suites/guardrails-flow.ts";
import { iamConformanceSuite } from "./suites/iam-conformance.ts";
import { largePayloadsSuite } from "./suites/large-payloads.ts";
import { runnerWindowSuite } from "./suites/runner-window.ts";
import { storeContractSuites } from "./suites/store-contracts.ts";

let started: Promise<AwsTestEnv> | undefined;
const env = () => (started ??= awsTestEnv());
after(async () => {
  if (started) await (await started).stop();
});

awsLimitsSuite(env);
storeContractSuites(env);
deliveryFlowSuite(env);
failureFlowSuite(env);
runnerWindowSuite(env);
largePayloadsSuite(env);
cloudCliSuite(env);
guardrailsFlowSuite(env);
approvalGatesSuite(env);
cloudDashboardSuite(env);
// Last: it evaluates every AWS call the suites above made.
iamConformanceSuite(env);
