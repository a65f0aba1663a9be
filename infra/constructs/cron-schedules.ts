import { type Duration, Stack, TimeZone } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { SqsSendMessage } from "aws-cdk-lib/aws-scheduler-targets";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { scheduleMessageInput } from "../../shared/aws/job-message.ts";
import type { CronSchedule } from "../deployment-plan.ts";

/** How EventBridge Scheduler retries delivering a firing to the queue before using the DLQ. */
export interface ScheduleRetry {
  /** @default 5 */
  readonly retryAttempts?: number;
  /** @default Duration.hours(1) */
  readonly maxEventAge?: Duration;
}

export interface CronSchedulesProps {
  readonly schedules: readonly CronSchedule[];
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** Name of the schedule group (1-64 of `[0-9a-zA-Z-_.]`). */
  readonly groupName: string;
  readonly retry: Required<ScheduleRetry>;
}

/**
 * One EventBridge Scheduler schedule per `schedule` source, in one schedule group: the cron
 * converted to EventBridge's 6-field form, its time zone, no flexible window, and the job queue
 * as target with `{"kind":"schedule","schedule":<name>,"scheduled_time":<aws.scheduler.scheduled-time>}`
 * as the message, a retry policy and the DLQ for firings that cannot be delivered. One role,
 * assumable by Scheduler only for schedules of this group, may send to those two queues.
 */
export class CronSchedules extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly role: iam.Role;
  readonly schedules: readonly scheduler.Schedule[];

  constructor(scope: Construct, id: string, props: CronSchedulesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.group = new scheduler.ScheduleGroup(this, "Group", { scheduleGroupName: props.groupName });
    this.role = new iam.Role(this, "Role", {
      description: "EventBridge Scheduler: deliver schedule firings to the job queue",
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: {
          StringEquals: { "aws:SourceAccount": stack.account },
          ArnLike: {
            "aws:SourceArn": stack.formatArn({
              service: "scheduler",
              resource: "schedule",
              resourceName: `${props.groupName}/*`,
            }),
          },
        },
      }),
    });
    this.schedules = props.schedules.map(
      (s) =>
        new scheduler.Schedule(this, `Schedule-${s.name}`, {
          scheduleName: s.name,
          scheduleGroup: this.group,
          description: `${s.cron} (${s.timezone}) -> handler ${s.handler}`,
          schedule: scheduler.ScheduleExpression.expression(s.expression, TimeZone.of(s.timezone)),
          timeWindow: scheduler.TimeWindow.off(),
          enabled: s.enabled,
          target: new SqsSendMessage(props.queue, {
            role: this.role,
            deadLetterQueue: props.deadLetterQueue,
            retryAttempts: props.retry.retryAttempts,
            maxEventAge: props.retry.maxEventAge,
            input: scheduler.ScheduleTargetInput.fromObject(
              scheduleMessageInput(s.name, scheduler.ContextAttribute.scheduledTime),
            ),
          }),
        }),
    );
  }
}
