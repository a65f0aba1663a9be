/**
 * `evd cloud trigger --handler NAME [--payload JSON] [--id ID] [--config F]`: a manual event
 * admitted to the deployed queue through the shared admission (shared/ingest/admit.ts). With the
 * table known (flag, env or stack outputs), the event is logged (dedupe by id, replay source) and
 * the concurrency key bookkept; without it the job is only sent (the runner's claim still dedupes).
 * With `--config`, the handler is checked and its concurrency key rendered; without, the job goes
 * to the named handler as is.
 */
import type { Command } from "commander";
import { ConcurrencyLease } from "../../../shared/aws/concurrency-lease.ts";
import { DynamoEventLog } from "../../../shared/aws/dynamo-event-log.ts";
import { SqsJobQueue } from "../../../shared/aws/sqs-job-queue.ts";
import { SqsJobSender } from "../../../shared/aws/sqs-job-sender.ts";
import { loadConfig } from "../../../shared/config/load.ts";
import { nodeConfigFiles } from "../../../shared/node/node-config-files.ts";
import { parsePayloadJson } from "../../../shared/events/cli-event.ts";
import { jobIdOf } from "../../../shared/events/event.ts";
import { manualEvent } from "../../../shared/events/manual-event.ts";
import { createHookBus } from "../../../shared/hooks/hook-bus.ts";
import { AdmissionKind, configRoute, createAdmission, type RouteFn } from "../../../shared/ingest/admit.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { RouterError } from "../../../shared/router/errors.ts";
import type { CloudAction, CloudCliDeps, CloudVerbContext } from "./cloud-context.ts";
import { CloudCliError, need } from "./cloud-errors.ts";
import { payloadStoreOf } from "./cloud-payloads.ts";

/** Without a config: one job for the named handler, nothing rendered. */
function namedHandlerRoute(): RouteFn {
  return (event, now, options) => [
    {
      id: jobIdOf(event.id, options.handler!),
      handler: options.handler!,
      event,
      attempt: 1,
      enqueued_at: now.toISOString(),
    },
  ];
}

export function registerCloudTrigger(
  cloud: Command,
  deps: CloudCliDeps,
  ctx: CloudVerbContext,
  run: CloudAction,
): void {
  cloud
    .command("trigger")
    .description("send a job for a handler to the queue (recorded in the event log when the table is known)")
    .requiredOption("--handler <name>", "handler to run")
    .option("--payload <json>", "event payload (a JSON object)", "{}")
    .option("--id <id>", "event id (default: a fresh UUID; the same id twice runs once)")
    .option("--config <path>", "config file: checks the handler name and renders its concurrency key")
    .action(
      run(async (cmd) => {
        const { opts, c } = await ctx(cmd);
        const o = cmd.opts<{ handler: string; payload: string; id?: string; config?: string }>();
        let payload: Record<string, unknown>;
        try {
          payload = parsePayloadJson(o.payload);
        } catch (err) {
          throw new CloudCliError((err as Error).message);
        }
        const route = o.config
          ? configRoute(
              (
                await loadConfig({
                  configPath: o.config,
                  env: deps.env,
                  ...(deps.cwd ? { cwd: deps.cwd } : {}),
                  files: nodeConfigFiles,
                })
              ).config,
            )
          : namedHandlerRoute();
        const queueUrl = need(c.resources.queueUrl, "job queue", "--queue-url", "EVD_QUEUE_URL");
        const tableName = c.resources.tableName ?? opts.table;
        const table = tableName ? c.table(tableName) : undefined;
        const payloads = payloadStoreOf(c, deps.env);
        const queue = new SqsJobQueue({
          sender: new SqsJobSender({ sqs: c.sqs, queueUrl, ...(payloads ? { payloads } : {}) }),
          sqs: c.sqs,
          clock: systemClock,
          ...(table
            ? {
                eventLog: new DynamoEventLog({ table, ...(payloads ? { payloads } : {}) }),
                leases: new ConcurrencyLease({ table }),
              }
            : {}),
        });
        const admit = createAdmission({
          route,
          queue,
          hooks: createHookBus([], silentLogger),
          clock: systemClock,
          logger: silentLogger,
        });
        const event = manualEvent({ payload, ...(o.id ? { id: o.id } : {}), now: new Date(systemClock.now()) });
        let outcome;
        try {
          outcome = await admit(event, { handler: o.handler });
        } catch (err) {
          if (err instanceof RouterError) throw new CloudCliError(err.message);
          throw err;
        }
        if (outcome.kind === AdmissionKind.UNAVAILABLE)
          throw new CloudCliError(`the queue refused: ${outcome.error}`, 1);
        const status = outcome.kind === AdmissionKind.ACCEPTED && !table ? "sent" : outcome.kind;
        deps.out(
          JSON.stringify({
            status,
            event_id: event.id,
            jobs: "jobIds" in outcome ? outcome.jobIds : [],
            ...(table ? {} : { note: "no table given: the event log was not written" }),
          }),
        );
      }),
    );
}
