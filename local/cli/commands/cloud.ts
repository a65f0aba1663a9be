/**
 * `evd cloud ...`: operate the deployed cloud path.
 *
 *   evd cloud trigger --handler NAME [--payload JSON] [--id ID] [--config F]   send a job to the queue
 *   evd cloud status                                  schedules (state, expression, timezone), queue and DLQ depth
 *   evd cloud pause SCHEDULE | resume SCHEDULE        UpdateSchedule State (GetSchedule first: Update replaces all)
 *   evd cloud history [--limit N] [--handler H] [--status S]   runs, newest first (DynamoDB)
 *   evd cloud replay [--handler H] [--since 2h|ISO] [--status S]  logged events again as new jobs (cloud-replay.ts)
 *   evd cloud dlq list [--max N] | dlq redrive [--resend]      dead letters; StartMessageMoveTask or receive-and-resend
 *   evd cloud breaker list | breaker resume SOURCE      storm-breaker pauses (cloud-breaker.ts)
 *   evd cloud approvals [--json] | approve JOB [-m WHY] | deny JOB [-m WHY]   runs waiting at an approval gate (cloud-approvals.ts)
 *   evd cloud ui [--port N] [--config F]              the dashboard for the stack, on 127.0.0.1 (cloud-ui.ts)
 *
 * Resource names: `--stack NAME` (CloudFormation outputs), or `--table`, `--queue-url`, `--dlq-url`
 * (env EVD_TABLE_NAME, EVD_QUEUE_URL, EVD_DLQ_URL, EVD_STACK); `--endpoint URL` (or AWS_ENDPOINT_URL)
 * and `--region` for LocalStack or another region. Exit status: 0 ok, 1 AWS error, 2 bad input.
 */
import { Command, Option } from "commander";
import { DynamoHistoryStore } from "../../../shared/aws/dynamo-history-store.ts";
import { listDeadLetters, queueDepth, redriveDeadLetters } from "../../../shared/aws/queue-admin.ts";
import { listSchedules, ScheduleState, setScheduleState } from "../../../shared/aws/schedule-admin.ts";
import { RunStatus } from "../../../shared/events/event.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { CloudCliError, need, positive } from "./cloud-errors.ts";
import { registerCloudApprovals } from "./cloud-approvals.ts";
import {
  awsCloudContext,
  type CloudAction,
  type CloudCliDeps,
  type CloudGlobalOptions,
  type CloudVerbContext,
} from "./cloud-context.ts";
import { cloudLocalCommand } from "./cloud-local.ts";
import { registerCloudReplay } from "./cloud-replay.ts";
import { registerCloudTrigger } from "./cloud-trigger.ts";
import { registerCloudBreaker } from "./cloud-breaker.ts";
import { registerCloudUi } from "./cloud-ui.ts";

export { CloudCliError } from "./cloud-errors.ts";
export {
  awsCloudContext,
  type CloudAction,
  type CloudCliDeps,
  type CloudContext,
  type CloudGlobalOptions,
  type CloudVerbContext,
} from "./cloud-context.ts";

export function cloudCommand(deps: CloudCliDeps): Command {
  const cloud = new Command("cloud")
    .description(
      "operate the deployed cloud path: trigger, status, pause/resume schedules, history, DLQ, approval gates",
    )
    .option("--stack <name>", "CloudFormation stack whose outputs name the resources (env EVD_STACK)")
    .option("--table <name>", "DynamoDB table (env EVD_TABLE_NAME)")
    .option("--queue-url <url>", "job queue URL (env EVD_QUEUE_URL)")
    .option("--dlq-url <url>", "dead-letter queue URL (env EVD_DLQ_URL)")
    .option("--endpoint <url>", "AWS endpoint for every service, e.g. LocalStack (env AWS_ENDPOINT_URL)")
    .option("--region <region>", "AWS region (env AWS_REGION)")
    .option("--schedule-group <name>", "EventBridge Scheduler group of the schedules")
    .option("--schedule-prefix <prefix>", "only schedules whose name starts with this");

  const ctx: CloudVerbContext = async (cmd) => {
    const opts = cmd.optsWithGlobals<CloudGlobalOptions>();
    return { opts, c: await deps.context(opts, deps.env) };
  };
  const run: CloudAction =
    (fn: (cmd: Command) => Promise<void>) =>
    async (...args: unknown[]) => {
      const cmd = args.at(-1) as Command;
      try {
        await fn(cmd);
      } catch (err) {
        const code = err instanceof CloudCliError ? err.exitCode : 1;
        deps.err(`evd cloud: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = code;
      }
    };

  registerCloudTrigger(cloud, deps, ctx, run);
  registerCloudReplay(cloud, deps, ctx, run);
  registerCloudBreaker(cloud, deps, ctx, run);
  registerCloudApprovals(cloud, deps, ctx, run);
  registerCloudUi(cloud, deps, ctx, run);

  cloud
    .command("status")
    .description("schedules (state, expression, timezone), queue and DLQ depth")
    .action(
      run(async (cmd) => {
        const { opts, c } = await ctx(cmd);
        const schedules = await listSchedules(c.scheduler(), {
          ...(opts.schedulePrefix ? { namePrefix: opts.schedulePrefix } : {}),
          ...(c.resources.scheduleGroup ? { group: c.resources.scheduleGroup } : {}),
        });
        deps.out(`schedules (${schedules.length}):`);
        for (const s of schedules)
          deps.out(`  ${s.name.padEnd(32)} ${s.state.padEnd(8)} ${s.expression}  ${s.timezone}`);
        for (const [label, url] of [
          ["queue", c.resources.queueUrl],
          ["dlq", c.resources.dlqUrl],
        ] as const) {
          if (!url) {
            deps.out(`${label}: (unknown: give --${label === "queue" ? "queue-url" : "dlq-url"} or --stack)`);
            continue;
          }
          const d = await queueDepth(c.sqs(), url);
          deps.out(`${label}: ${d.visible} waiting, ${d.inFlight} in flight, ${d.delayed} delayed  (${url})`);
        }
      }),
    );

  for (const [verb, state] of [
    ["pause", ScheduleState.DISABLED],
    ["resume", ScheduleState.ENABLED],
  ] as const) {
    cloud
      .command(`${verb} <schedule>`)
      .description(`${verb === "pause" ? "disable" : "enable"} an EventBridge schedule (its definition is kept)`)
      .action(
        run(async (cmd) => {
          const { c } = await ctx(cmd);
          const name = cmd.args[0]!;
          const info = await setScheduleState(c.scheduler(), name, state, c.resources.scheduleGroup);
          deps.out(`${info.name}: ${info.state} (${info.expression} ${info.timezone})`);
        }),
      );
  }

  cloud
    .command("history")
    .description("recent runs, newest first, one JSON line each")
    .option("--limit <n>", "how many", "20")
    .option("--handler <name>", "only this handler")
    .addOption(new Option("--status <status>", "only this status").choices(Object.values(RunStatus)))
    .action(
      run(async (cmd) => {
        const { c } = await ctx(cmd);
        const o = cmd.opts<{ limit: string; handler?: string; status?: RunStatus }>();
        const table = c.table(need(c.resources.tableName, "table", "--table", "EVD_TABLE_NAME"));
        const rows = await new DynamoHistoryStore({ table, clock: systemClock }).list({
          limit: positive(o.limit, "--limit"),
          ...(o.handler ? { handler: o.handler } : {}),
          ...(o.status ? { status: o.status } : {}),
        });
        for (const r of rows) deps.out(JSON.stringify(r));
      }),
    );

  const dlq = cloud.command("dlq").description("dead-lettered jobs");
  dlq
    .command("list")
    .description("peek at dead letters (not removed), one JSON line each")
    .option("--max <n>", "at most this many", "50")
    .action(
      run(async (cmd) => {
        const { c } = await ctx(cmd);
        const dlqUrl = need(c.resources.dlqUrl, "dead-letter queue", "--dlq-url", "EVD_DLQ_URL");
        for (const d of await listDeadLetters(c.sqs(), dlqUrl, positive(cmd.opts<{ max: string }>().max, "--max")))
          deps.out(JSON.stringify(d));
      }),
    );
  dlq
    .command("redrive")
    .description("move dead letters back to the job queue (StartMessageMoveTask; --resend: receive and resend)")
    .option("--resend", "receive-and-resend instead of a move task (endpoints without StartMessageMoveTask)")
    .action(
      run(async (cmd) => {
        const { c } = await ctx(cmd);
        const dlqUrl = need(c.resources.dlqUrl, "dead-letter queue", "--dlq-url", "EVD_DLQ_URL");
        const queueUrl = need(c.resources.queueUrl, "job queue", "--queue-url", "EVD_QUEUE_URL");
        const r = await redriveDeadLetters(c.sqs(), {
          dlqUrl,
          queueUrl,
          useMoveTask: !cmd.opts<{ resend?: boolean }>().resend,
        });
        deps.out(
          r.method === "move-task" ? `redrive started (move task ${r.taskHandle})` : `redrove ${r.moved} message(s)`,
        );
      }),
    );
  cloud.addCommand(cloudLocalCommand());
  return cloud;
}

export function register(program: Command): void {
  program.addCommand(
    cloudCommand({
      env: process.env,
      out: (l) => process.stdout.write(`${l}\n`),
      err: (l) => process.stderr.write(`${l}\n`),
      context: awsCloudContext,
    }),
  );
}
