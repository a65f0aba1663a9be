/**
 * `evd cloud ui [--port N] [--config F]`: the dashboard for the deployed stack, served on this
 * machine (127.0.0.1) and reading the stack with the caller's AWS credentials (the same resolution
 * as every `evd cloud` verb: `--stack`, or `--table`/`--queue-url`/`--dlq-url`, `--endpoint` for
 * LocalStack or `evd cloud local`). Prints a one-time login link; stops on Ctrl-C.
 */
import type { Command } from "commander";
import { loadConfig } from "../../../shared/config/load.ts";
import { nodeConfigFiles } from "../../../shared/node/node-config-files.ts";
import { jsonLogger } from "../../../shared/logging/logger.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { cloudDashboardSource } from "../../dashboard/cloud-dashboard-source.ts";
import { serveDashboard } from "../../dashboard/dashboard-server.ts";
import type { CloudAction, CloudCliDeps, CloudVerbContext } from "./cloud-context.ts";
import { CloudCliError, need } from "./cloud-errors.ts";
import { payloadStoreOf } from "./cloud-payloads.ts";

/** How often the page's live feed re-reads the table and queues. */
const CLOUD_POLL_MS = 3000;

export function registerCloudUi(cloud: Command, deps: CloudCliDeps, ctx: CloudVerbContext, run: CloudAction): void {
  cloud
    .command("ui")
    .description("serve the dashboard for the deployed stack on 127.0.0.1, reading it with your AWS credentials")
    .option("--port <n>", "port on 127.0.0.1 (0: a free one)", "0")
    .option("--config <path>", "the stack's config: handler names and descriptions for Trigger, concurrency keys")
    .action(
      run(async (cmd) => {
        const { opts, c } = await ctx(cmd);
        const o = cmd.opts<{ port: string; config?: string }>();
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new CloudCliError(`--port must be a port number, got "${o.port}"`);
        const tableName = need(c.resources.tableName, "table", "--table", "EVD_TABLE_NAME");
        const config = o.config
          ? (
              await loadConfig({
                configPath: o.config,
                env: deps.env,
                ...(deps.cwd ? { cwd: deps.cwd } : {}),
                files: nodeConfigFiles,
              })
            ).config
          : undefined;
        const payloads = payloadStoreOf(c, deps.env);
        const logger = jsonLogger((line) => deps.err(line), { base: { component: "cloud-ui" }, level: "warn" });
        const server = await serveDashboard({
          source: cloudDashboardSource({
            stackName: opts.stack ?? deps.env.EVD_STACK ?? tableName,
            resources: c.resources,
            table: c.table(tableName),
            sqs: c.sqs,
            scheduler: c.scheduler,
            clock: systemClock,
            ...(config ? { config } : {}),
            ...(payloads ? { payloads } : {}),
          }),
          logger,
          port,
          pollMs: CLOUD_POLL_MS,
          loginHint: "Restart `evd cloud ui` for a new link.",
        });
        deps.out(`evd cloud ui: dashboard at ${server.origin}/ui/`);
        deps.out(`  open (logs one browser in, once): ${server.loginUrl()}`);
        deps.out("  stop with Ctrl-C");
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        await server.close();
      }),
    );
}
