/** EventBridge Scheduler operations behind `evd cloud status|pause|resume`. */
import {
  GetScheduleCommand,
  ListSchedulesCommand,
  UpdateScheduleCommand,
  type GetScheduleCommandOutput,
  type SchedulerClient,
  type UpdateScheduleCommandInput,
} from "@aws-sdk/client-scheduler";
import { AwsAdapterError } from "./errors.ts";

export const ScheduleState = { ENABLED: "ENABLED", DISABLED: "DISABLED" } as const;
export type ScheduleState = (typeof ScheduleState)[keyof typeof ScheduleState];

export interface ScheduleInfo {
  readonly name: string;
  readonly group: string;
  readonly state: string;
  readonly expression: string;
  readonly timezone: string;
  readonly targetArn?: string;
}

export interface ScheduleFilter {
  readonly namePrefix?: string;
  readonly group?: string;
}

function info(s: GetScheduleCommandOutput): ScheduleInfo {
  return {
    name: s.Name ?? "",
    group: s.GroupName ?? "default",
    state: s.State ?? "UNKNOWN",
    expression: s.ScheduleExpression ?? "",
    timezone: s.ScheduleExpressionTimezone ?? "UTC",
    ...(s.Target?.Arn ? { targetArn: s.Target.Arn } : {}),
  };
}

/** Every schedule matching the filter, with its expression and timezone (ListSchedules + GetSchedule). */
export async function listSchedules(client: SchedulerClient, filter: ScheduleFilter = {}): Promise<ScheduleInfo[]> {
  const names: { name: string; group: string }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListSchedulesCommand({
        ...(filter.namePrefix ? { NamePrefix: filter.namePrefix } : {}),
        ...(filter.group ? { GroupName: filter.group } : {}),
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const s of page.Schedules ?? []) if (s.Name) names.push({ name: s.Name, group: s.GroupName ?? "default" });
    token = page.NextToken;
  } while (token);
  const out: ScheduleInfo[] = [];
  for (const n of names)
    out.push(info(await client.send(new GetScheduleCommand({ Name: n.name, GroupName: n.group }))));
  return out;
}

/**
 * Pauses (DISABLED) or resumes (ENABLED) a schedule. UpdateSchedule replaces the whole
 * definition, so the current one is read first and sent back with only `State` changed.
 */
export async function setScheduleState(
  client: SchedulerClient,
  name: string,
  state: ScheduleState,
  group?: string,
): Promise<ScheduleInfo> {
  let current: GetScheduleCommandOutput;
  try {
    current = await client.send(new GetScheduleCommand({ Name: name, ...(group ? { GroupName: group } : {}) }));
  } catch (err) {
    if ((err as Error).name === "ResourceNotFoundException")
      throw new AwsAdapterError(`no schedule named "${name}"${group ? ` in group "${group}"` : ""}`, { cause: err });
    throw new AwsAdapterError(`reading schedule "${name}" failed: ${(err as Error).message}`, { cause: err });
  }
  const input: UpdateScheduleCommandInput = {
    Name: name,
    GroupName: current.GroupName,
    ScheduleExpression: current.ScheduleExpression,
    ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
    StartDate: current.StartDate,
    EndDate: current.EndDate,
    Description: current.Description,
    KmsKeyArn: current.KmsKeyArn,
    Target: current.Target,
    FlexibleTimeWindow: current.FlexibleTimeWindow,
    ActionAfterCompletion: current.ActionAfterCompletion,
    State: state,
  };
  await client.send(new UpdateScheduleCommand(input));
  return { ...info(current), state };
}
