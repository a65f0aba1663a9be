/**
 * `evd cloud local fire NAME`: one firing of a schedule of the running stack, now (or as of
 * `--time`), through the AWS APIs of the local endpoint: GetSchedule, then the target's
 * SendMessage with the schedule's input. The endpoint is `--endpoint`, else AWS_ENDPOINT_URL,
 * else the one `evd cloud local` wrote into the cloud assembly folder.
 */
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS } from "../aws-clients.ts";
import { CloudLocalError } from "../errors.ts";
import { readState, STATE_FILE } from "../state-file.ts";
import { deliverFiring, type Firing } from "./schedule-firing.ts";

export interface FireOptions {
  readonly name: string;
  readonly at: Date;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly assemblyDir: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly group?: string;
}

export async function fireSchedule(opts: FireOptions): Promise<Firing> {
  const state = readState(opts.assemblyDir);
  const endpoint = opts.endpoint ?? opts.env.AWS_ENDPOINT_URL ?? state?.endpoint;
  if (!endpoint)
    throw new CloudLocalError(
      `no endpoint: \`evd cloud local\` is not running on ${opts.assemblyDir} (no ${STATE_FILE}); give --cdk-out DIR, --endpoint URL or AWS_ENDPOINT_URL`,
    );
  const region = opts.region ?? opts.env.AWS_REGION ?? state?.region ?? "us-east-1";
  const credentials = opts.env.AWS_ACCESS_KEY_ID ? {} : { credentials: { ...LOCAL_CREDENTIALS } };
  const scheduler = new SchedulerClient({ endpoint, region, ...credentials });
  const sqs = new SQSClient({ endpoint, region, ...credentials });
  try {
    let group = opts.group;
    if (group === undefined) {
      const listed = await scheduler.send(new ListSchedulesCommand({ NamePrefix: opts.name }));
      const groups = (listed.Schedules ?? []).filter((s) => s.Name === opts.name).map((s) => s.GroupName ?? "default");
      if (groups.length === 0) {
        const all = await scheduler.send(new ListSchedulesCommand({}));
        throw new CloudLocalError(
          `no schedule named "${opts.name}" at ${endpoint}; schedules: ${(all.Schedules ?? []).map((s) => s.Name).join(", ") || "none"}`,
        );
      }
      if (groups.length > 1)
        throw new CloudLocalError(
          `"${opts.name}" exists in the groups ${groups.join(", ")}: name one with --schedule-group`,
        );
      group = groups[0]!;
    }
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: opts.name, GroupName: group }));
    return await deliverFiring(schedule, opts.at, { sqs });
  } finally {
    scheduler.destroy();
    sqs.destroy();
  }
}
