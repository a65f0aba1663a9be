/**
 * IAM conformance of the whole run: every AWS call the components made in the suites before this
 * one (ingest, runner and its event source mapping, the Scheduler target, `evd cloud`) is
 * evaluated against the policies the synthesized stack of that test deployment's config gives
 * the component (test/harness/iam-conformance.ts). Registered last in cloud.test.ts, so it sees
 * every call of the file.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { awsCalls } from "../../harness/aws-call.ts";
import type { AwsTestEnv } from "../../harness/aws-env.ts";
import { Component } from "../../harness/aws-identity.ts";
import { checkIamConformance, describeReport } from "../../harness/iam-conformance.ts";

const LAMBDA_LOGS = "the Lambda service writes the function's log streams with its execution role";

/** Actions a component is granted that no call of our code makes, and why each is still needed. */
export const UNUSED_ALLOWED = {
  [Component.INGEST]: {
    "logs:CreateLogStream": LAMBDA_LOGS,
    "logs:PutLogEvents": LAMBDA_LOGS,
  },
  [Component.RUNNER]: {
    "logs:CreateLogStream": LAMBDA_LOGS,
    "logs:PutLogEvents": LAMBDA_LOGS,
    "sqs:GetQueueAttributes": "the SQS event source mapping reads the queue's attributes with the execution role",
    "sqs:GetQueueUrl": "granted by CDK's SqsEventSource for the event source mapping",
  },
} as const;

export function iamConformanceSuite(env: () => Promise<AwsTestEnv>): void {
  describe("IAM conformance of every AWS call made by the components", () => {
    it("allows every call under the stack's policies, and grants no action that nothing uses", async (t) => {
      const e = await env();
      if (!e.local) return t.skip("external endpoint: the components use the default credential chain");
      const calls = awsCalls.componentCalls();
      const report = await checkIamConformance(calls, {
        region: e.region,
        unusedAllowed: UNUSED_ALLOWED,
        components: [Component.INGEST, Component.RUNNER, Component.SCHEDULER, Component.CLI],
      });
      const components = new Set(calls.map((c) => c.caller.component));
      for (const c of [Component.INGEST, Component.RUNNER, Component.SCHEDULER, Component.CLI])
        assert.ok(components.has(c), `no call by ${c} was recorded: the check would prove nothing`);
      assert.ok(report.evaluated > 50, `only ${report.evaluated} authorizations evaluated`);
      assert.equal(describeReport(report), "", "every call allowed, every grant used");
    });
  });
}
