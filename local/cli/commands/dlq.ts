/**
 * `evd dlq list` and `evd dlq redrive [--id ID | --all]`: jobs that failed `max_attempts` times
 * wait in the dead-letter store with their error; redrive puts them back in the queue.
 */
import type { Command } from "commander";
import {
  addConfigOptions,
  daemonOrNote,
  err,
  loadFor,
  out,
  table,
  withDaemon,
  withStore,
  type ConfigOptions,
} from "../daemon-verbs.ts";

interface DeadJob {
  id: string;
  handler: string;
  attempts: number;
  lastError?: string;
  updatedAt: number;
  eventId: string;
}

export function register(program: Command): void {
  const dlq = addConfigOptions(program.command("dlq")).description(
    "dead-letter store of the local daemon: list and redrive failed jobs",
  );

  dlq
    .command("list")
    .description("jobs that exhausted their attempts, with their last error (reads the store when no daemon runs)")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const loaded = await loadFor(cmd.optsWithGlobals<ConfigOptions>());
      const client = daemonOrNote(loaded);
      const dead = client
        ? await client.call<DeadJob[]>("GET", "/dlq")
        : ((await withStore(loaded, (s) => s.listDead())) as DeadJob[]);
      if (o.json) out(JSON.stringify(dead, null, 2));
      else if (dead.length === 0) out("the dead-letter store is empty");
      else
        out(
          table([
            ["JOB", "HANDLER", "ATTEMPTS", "FAILED AT", "ERROR"],
            ...dead.map((d) => [
              d.id,
              d.handler,
              String(d.attempts),
              new Date(d.updatedAt).toISOString(),
              d.lastError ?? "",
            ]),
          ]),
        );
    });

  dlq
    .command("redrive")
    .description("put dead-lettered jobs back in the queue (attempts reset); needs the running daemon")
    .option("--id <job id>", "one job")
    .option("--all", "every dead-lettered job")
    .action(async (o: { id?: string; all?: boolean }, cmd: Command) => {
      if (!o.id === !o.all) {
        err("evd: give exactly one of --id ID or --all");
        process.exitCode = 2;
        return;
      }
      process.exitCode = await withDaemon(cmd.optsWithGlobals<ConfigOptions>(), async (client) => {
        const r = await client.call<{ redriven: number; jobs: string[] }>(
          "POST",
          "/dlq/redrive",
          o.id ? { id: o.id } : { all: true },
        );
        out(`redriven ${r.redriven} job(s)`);
        for (const id of r.jobs) out(`  ${id}`);
      });
    });
}
