import { Stack, Validations } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag-findings.ts";
import { OPERATOR_KEY_PREFIXES, TABLE_KEYS } from "../table-keys.ts";

export interface ClientPoliciesProps {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly table: dynamodb.ITable;
  readonly scheduleGroupName: string;
  /** The role EventBridge Scheduler assumes for the schedules (UpdateSchedule passes it). */
  readonly schedulerRole: iam.IRole;
  /** The claim-check objects (replay reads large events, trigger and replay may write them). */
  readonly payloadObjectsArn: string;
}

/**
 * The least privilege of the two clients that run outside AWS, as customer-managed policies an
 * administrator attaches to the people or CI roles that use them (the ARNs are stack outputs):
 * - `OperatorPolicy`, for `evd cloud` (trigger, replay, status, pause/resume, history, dlq,
 *   approvals/approve/deny): read the stack's outputs; send jobs (an approved run's resume too)
 *   and read the depth of the job queue; peek at, redrive and empty the DLQ; the event log, job,
 *   run, concurrency-key and approval-gate items of the table and its index;
 *   read and update (pause/resume) the schedules of this stack's group, passing the schedule
 *   role to Scheduler and nothing else.
 * - `BridgePolicy`, for `evd bridge`: read the stack's outputs and send jobs to the job queue.
 */
export class ClientPolicies extends Construct {
  readonly operator: iam.ManagedPolicy;
  readonly bridge: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ClientPoliciesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stackArn = stack.formatArn({
      service: "cloudformation",
      resource: "stack",
      resourceName: `${stack.stackName}/*`,
    });
    const readOutputs = new iam.PolicyStatement({
      sid: "ReadStackOutputs",
      actions: ["cloudformation:DescribeStacks"],
      resources: [stackArn],
    });
    const table = props.table;
    const schedules = stack.formatArn({
      service: "scheduler",
      resource: "schedule",
      resourceName: `${props.scheduleGroupName}/*`,
    });
    this.operator = new iam.ManagedPolicy(this, "Operator", {
      description: `evd cloud: operate the loop-event-driven stack ${stack.stackName}`,
      statements: [
        readOutputs,
        new iam.PolicyStatement({
          sid: "JobQueue",
          actions: ["sqs:SendMessage", "sqs:GetQueueAttributes"],
          resources: [props.queue.queueArn],
        }),
        new iam.PolicyStatement({
          sid: "DeadLetterQueue",
          actions: ["sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:StartMessageMoveTask"],
          resources: [props.deadLetterQueue.queueArn],
        }),
        new iam.PolicyStatement({
          sid: "StateItems",
          actions: [
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
          ],
          resources: [table.tableArn],
          conditions: {
            "ForAllValues:StringLike": { "dynamodb:LeadingKeys": OPERATOR_KEY_PREFIXES.map((p) => `${p}*`) },
          },
        }),
        new iam.PolicyStatement({
          sid: "LogIndex",
          actions: ["dynamodb:Query"],
          resources: [`${table.tableArn}/index/${TABLE_KEYS.log.indexName}`],
        }),
        new iam.PolicyStatement({
          sid: "LargeEvents",
          actions: ["s3:GetObject", "s3:PutObject"],
          resources: [props.payloadObjectsArn],
        }),
        new iam.PolicyStatement({
          sid: "ListSchedules",
          actions: ["scheduler:ListSchedules"],
          resources: ["*"],
        }),
        new iam.PolicyStatement({
          sid: "PauseResumeSchedules",
          actions: ["scheduler:GetSchedule", "scheduler:UpdateSchedule"],
          resources: [schedules],
        }),
        new iam.PolicyStatement({
          sid: "PassScheduleRole",
          actions: ["iam:PassRole"],
          resources: [props.schedulerRole.roleArn],
          conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
        }),
      ],
    });
    acknowledgeWildcardResource(
      this.operator,
      stackArn,
      "DescribeStacks on this stack's name: the stack id (after the name) is not known before the stack exists.",
    );
    acknowledgeWildcardResource(
      this.operator,
      schedules,
      "The schedules of this stack's own schedule group, whichever the config defines (pause/resume by name).",
    );
    acknowledgeWildcardResource(
      this.operator,
      props.payloadObjectsArn,
      "Objects of the claim-check prefix only: one object per large event, named by a hash of its id.",
    );
    Validations.of(this.operator).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "scheduler:ListSchedules has no resource-level permission (AWS evaluates it on *); it lists names and states only.",
    });
    this.bridge = new iam.ManagedPolicy(this, "Bridge", {
      description: `evd bridge: send local file changes to the job queue of ${stack.stackName}`,
      statements: [
        readOutputs,
        new iam.PolicyStatement({ sid: "SendJobs", actions: ["sqs:SendMessage"], resources: [props.queue.queueArn] }),
      ],
    });
    acknowledgeWildcardResource(
      this.bridge,
      stackArn,
      "DescribeStacks on this stack's name: the stack id (after the name) is not known before the stack exists.",
    );
  }
}
