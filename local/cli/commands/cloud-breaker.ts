/**
 * The cloud verbs of the storm breaker (`evd cloud replay --status budget_exceeded` replays the
 * jobs a budget refused, see cloud-replay.ts):
 *   evd cloud breaker list                 sources the storm breaker paused
 *   evd cloud breaker resume SOURCE        end a pause before its cooldown
 */
import type { Command } from "commander";
import { DynamoBreakerStore } from "../../../shared/aws/dynamo-breaker-store.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import type { CloudAction, CloudCliDeps, CloudVerbContext } from "./cloud-context.ts";
import { need } from "./cloud-errors.ts";

export function registerCloudBreaker(
  cloud: Command,
  deps: CloudCliDeps,
  ctx: CloudVerbContext,
  run: CloudAction,
): void {
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
