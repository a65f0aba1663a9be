/**
 * The cloud verbs of the guardrails:
 *   evd cloud replay [--handler H] [--since 2h|ISO] [--status budget_exceeded]   re-run logged jobs as replays
 *   evd cloud breaker list                 sources the storm breaker paused
 *   evd cloud breaker resume SOURCE        end a pause before its cooldown
 */
import { Option, type Command } from "commander";
import { replayCloudJobs } from "../../../shared/aws/cloud-replay.ts";
import { DynamoBreakerStore } from "../../../shared/aws/dynamo-breaker-store.ts";
import { DynamoEventLog } from "../../../shared/aws/dynamo-event-log.ts";
import { DynamoHistoryStore } from "../../../shared/aws/dynamo-history-store.ts";
import { SqsJobSender } from "../../../shared/aws/sqs-job-sender.ts";
import { RunStatus } from "../../../shared/events/event.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { parseSince } from "../../daemon/daemon-control.ts";
import type { CloudAction, CloudCliDeps, CloudVerbContext } from "./cloud.ts";
import { CloudCliError, need } from "./cloud-errors.ts";

export function registerCloudGuardrails(
  cloud: Command,
  deps: CloudCliDeps,
  ctx: CloudVerbContext,
  run: CloudAction,
): void {
  cloud
    .command("replay")
    .description(
      "re-run logged jobs as new `#replay-<n>` jobs (e.g. --status budget_exceeded once the budget is raised and deployed)",
    )
    .option("--handler <name>", "only jobs of this handler")
    .option("--since <time>", "runs started since an ISO-8601 time or a duration ago (2h, 30m, 7d)", "1d")
    .addOption(new Option("--status <status>", "only jobs whose latest run ended so").choices(Object.values(RunStatus)))
    .action(
      run(async (cmd) => {
        const { c } = await ctx(cmd);
        const o = cmd.opts<{ handler?: string; since: string; status?: RunStatus }>();
        let since: number | undefined;
        try {
          since = parseSince(o.since, systemClock.now());
        } catch (err) {
          throw new CloudCliError((err as Error).message);
        }
        const table = c.table(need(c.resources.tableName, "table", "--table", "EVD_TABLE_NAME"));
        const queueUrl = need(c.resources.queueUrl, "job queue", "--queue-url", "EVD_QUEUE_URL");
        const out = await replayCloudJobs(
          {
            ...(o.handler ? { handler: o.handler } : {}),
            ...(since !== undefined ? { since } : {}),
            ...(o.status ? { status: o.status } : {}),
          },
          {
            history: new DynamoHistoryStore({ table, clock: systemClock }),
            events: new DynamoEventLog({ table }),
            sender: new SqsJobSender({ sqs: c.sqs, queueUrl }),
            clock: systemClock,
          },
        );
        deps.out(`replayed ${out.replayed.length} job(s)`);
        for (const j of out.replayed) deps.out(`  ${j.jobId}  (replay of ${j.replayOf})`);
        for (const m of out.missing) deps.err(`not replayed: ${m}: its event is no longer in the event log`);
      }),
    );

  const breaker = cloud.command("breaker").description("sources the storm breaker paused");
  const store = async (cmd: Command) => {
    const { c } = await ctx(cmd);
    return new DynamoBreakerStore({
      table: c.table(need(c.resources.tableName, "table", "--table", "EVD_TABLE_NAME")),
    });
  };
  breaker
    .command("list")
    .description("paused sources, one JSON line each")
    .action(
      run(async (cmd) => {
        for (const p of await (await store(cmd)).paused(systemClock.now()))
          deps.out(
            JSON.stringify({ ...p, until: new Date(p.until).toISOString(), since: new Date(p.since).toISOString() }),
          );
      }),
    );
  breaker
    .command("resume")
    .description("end a source's pause now (the webhook path, e.g. /github, or a schedule name)")
    .argument("<source>", "the paused source")
    .action(
      run(async (cmd) => {
        const source = String(cmd.args[0]);
        const resumed = await (await store(cmd)).resume(source, systemClock.now());
        deps.out(resumed ? `resumed ${source}` : `${source} was not paused`);
      }),
    );
}
