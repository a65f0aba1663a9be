/** AWS::Scheduler::ScheduleGroup and ::Schedule -> the Scheduler emulator, through its API. */
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  type CreateScheduleCommandInput,
} from "@aws-sdk/client-scheduler";
import { str, type Provisioner } from "./provisioner.ts";

export const scheduleGroup: Provisioner = {
  types: ["AWS::Scheduler::ScheduleGroup"],
  async provision(ctx) {
    const name = str(ctx.properties, "Name") ?? ctx.physicalName({ maxLength: 64 });
    const out = await ctx.cloud.opts.aws.scheduler().send(new CreateScheduleGroupCommand({ Name: name }));
    return { physicalId: name, ref: name, attributes: { Arn: out.ScheduleGroupArn } };
  },
};

function date(v: unknown): Date | undefined {
  return typeof v === "string" && v ? new Date(v) : undefined;
}

export const schedule: Provisioner = {
  types: ["AWS::Scheduler::Schedule"],
  async provision(ctx) {
    const p = ctx.properties;
    const name = str(p, "Name") ?? ctx.physicalName({ maxLength: 64 });
    const start = date(p.StartDate);
    const end = date(p.EndDate);
    const out = await ctx.cloud.opts.aws.scheduler().send(
      new CreateScheduleCommand({
        Name: name,
        ...(str(p, "GroupName") ? { GroupName: str(p, "GroupName") } : {}),
        ScheduleExpression: str(p, "ScheduleExpression"),
        ...(str(p, "ScheduleExpressionTimezone")
          ? { ScheduleExpressionTimezone: str(p, "ScheduleExpressionTimezone") }
          : {}),
        ...(str(p, "State") ? { State: str(p, "State") as "ENABLED" } : {}),
        ...(str(p, "Description") ? { Description: str(p, "Description") } : {}),
        ...(start ? { StartDate: start } : {}),
        ...(end ? { EndDate: end } : {}),
        FlexibleTimeWindow: p.FlexibleTimeWindow as CreateScheduleCommandInput["FlexibleTimeWindow"],
        Target: p.Target as CreateScheduleCommandInput["Target"],
      }),
    );
    const window = p.FlexibleTimeWindow as { Mode?: string } | undefined;
    if (window?.Mode === "FLEXIBLE")
      ctx.note("the flexible time window is not applied: firings happen at the scheduled time");
    if (p.KmsKeyArn !== undefined) ctx.note("KMS encryption is declared, not emulated");
    return { physicalId: name, ref: name, attributes: { Arn: out.ScheduleArn } };
  },
};
