/**
 * `evd cloud replay [--handler H] [--since 2h|ISO] [--status failed] [--limit N] [--config F]`:
 * re-run logged events as new jobs `<job id>#replay-<n>` (shared/aws/event-replay.ts), as
 * `evd daemon replay` does locally. The event log is read by time through its write-sharded
 * index; `--status` tests the latest run of each (event, handler) pair. With `--config`, each
 * replayed job gets its handler's concurrency key rendered (for `on_new: supersede` and serial keys).
 */
import { Option, type Command } from "commander";
import { DynamoEventLog } from "../../../shared/aws/dynamo-event-log.ts";
import { replayLoggedEvents } from "../../../shared/aws/event-replay.ts";
import { SqsJobSender } from "../../../shared/aws/sqs-job-sender.ts";
import { loadConfig } from "../../../shared/config/load.ts";
import { nodeConfigFiles } from "../../../shared/node/node-config-files.ts";
import { RunStatus, type Job } from "../../../shared/events/event.ts";
import { configRoute } from "../../../shared/ingest/admit.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { parseSince } from "../../daemon/daemon-control.ts";
import type { CloudAction, CloudCliDeps, CloudVerbContext } from "./cloud-context.ts";
import { CloudCliError, need, positive } from "./cloud-errors.ts";
import { payloadStoreOf } from "./cloud-payloads.ts";

interface ReplayOptions {
  handler?: string;
  since?: string;
  status?: RunStatus;
  limit: string;
  config?: string;
}

export function registerCloudReplay(cloud: Command, deps: CloudCliDeps, ctx: CloudVerbContext, run: CloudAction): void {
  cloud
    .command("replay")
    .description("re-run logged events as new jobs (ids marked as replays, so dedupe does not swallow them)")
    .option("--handler <name>", "only jobs of this handler")
    .option("--since <time>", "events received since an ISO-8601 time or a duration ago (2h, 30m, 7d)")
    .addOption(
      new Option("--status <status>", "only pairs whose latest run ended so (e.g. failed)").choices(
        Object.values(RunStatus),
      ),
    )
    .option("--limit <n>", "look at most at this many logged events, newest first", "1000")
    .option("--config <path>", "config file: renders each replayed job's concurrency key")
    .action(
      run(async (cmd) => {
        const { c } = await ctx(cmd);
        const o = cmd.opts<ReplayOptions>();
        const limit = positive(o.limit, "--limit");
        let since: number | undefined;
        try {
          since = parseSince(o.since, systemClock.now());
        } catch (err) {
          throw new CloudCliError((err as Error).message);
        }
        const table = c.table(need(c.resources.tableName, "table", "--table", "EVD_TABLE_NAME"));
        const queueUrl = need(c.resources.queueUrl, "job queue", "--queue-url", "EVD_QUEUE_URL");
        let concurrencyKey: ((job: Job) => string | undefined) | undefined;
        if (o.config) {
          const { config } = await loadConfig({
            configPath: o.config,
            env: deps.env,
            ...(deps.cwd ? { cwd: deps.cwd } : {}),
            files: nodeConfigFiles,
          });
          const route = configRoute(config);
          concurrencyKey = (job) =>
            route(job.event, new Date(systemClock.now()), { handler: job.handler })[0]?.concurrency_key;
        }
        const payloads = payloadStoreOf(c, deps.env);
        const replayed = await replayLoggedEvents(
          {
            eventLog: new DynamoEventLog({ table, ...(payloads ? { payloads } : {}) }),
            table,
            sender: new SqsJobSender({ sqs: c.sqs, queueUrl, ...(payloads ? { payloads } : {}) }),
            clock: systemClock,
            ...(concurrencyKey ? { concurrencyKey } : {}),
          },
          {
            limit,
            ...(o.handler ? { handler: o.handler } : {}),
            ...(since !== undefined ? { since } : {}),
            ...(o.status ? { status: o.status } : {}),
          },
        );
        deps.out(`replayed ${replayed.length} job(s)`);
        for (const j of replayed) deps.out(`  ${j.jobId}  (replay of ${j.replayOf})`);
      }),
    );
}
