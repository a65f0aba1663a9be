/**
 * `evd daemon`: run every configured source in one process (webhooks, schedules, file watchers,
 * manual triggers, local git pushes) with a durable embedded queue; and the verbs that talk to a
 * running daemon: status, trigger, history, stop, replay, state.
 */
import type { Command } from "commander";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EventResult } from "../../../shared/events/event.ts";
import type { RunStatus } from "../../../shared/events/event.ts";
import { readAdminInfo } from "../../daemon/admin-client.ts";
import {
  addConfigOptions,
  daemonOrNote,
  err,
  loadFor,
  out,
  scrubFor,
  table,
  withDaemon,
  withStore,
  type ConfigOptions,
} from "../daemon-verbs.ts";
import { jsonLogger } from "../../../shared/logging/logger.ts";
import { createOrchestrator } from "../../orchestrator/create-orchestrator.ts";
import { assertPidFileFree } from "../../daemon/pid-file.ts";
import { lockStateFolder, probeStateFolderLock, StateFolderLockedError } from "../../daemon/state-folder-lock.ts";
import { STORE_FILE_NAME } from "../../store/local-store.ts";
import { RepairMethod, repairStore, type RepairReport } from "../../store/repair.ts";
import type { GuardrailsStatus } from "../../daemon/daemon-guardrails.ts";
import { registerGuardrailVerbs, renderGuardrails } from "./daemon-guardrails.ts";

interface DaemonOptions extends ConfigOptions {
  sources?: string;
  background?: boolean;
  pidFile?: string;
}

const BACKGROUND_CHILD_ENV = "EVD_DAEMON_BACKGROUND_CHILD";

function globals(cmd: Command): DaemonOptions {
  return cmd.optsWithGlobals<DaemonOptions>();
}

async function runForeground(opts: DaemonOptions): Promise<number> {
  const orchestrator = await createOrchestrator({
    configPath: opts.config,
    profile: opts.profile,
    bundle: opts.bundle,
    cwd: process.cwd(),
    env: process.env,
    logger: jsonLogger((line) => process.stderr.write(`${line}\n`), { base: { component: "daemon" } }),
  });
  const start = {
    ...(opts.sources ? { sources: [opts.sources] } : {}),
    ...(opts.pidFile ? { pidFile: opts.pidFile } : {}),
  };
  if (orchestrator.config.mode === "one-shot") {
    // The spec's one-shot mode: run what is pending, then exit.
    out(await orchestrator.execute(start));
    return 0;
  }
  const daemon = await orchestrator.start(start);
  const onSignal = (signal: NodeJS.Signals) => {
    out(`evd daemon: ${signal} received, stopping (sources, then running jobs)...`);
    void daemon.stop(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  await daemon.stopped;
  process.off("SIGTERM", onSignal);
  process.off("SIGINT", onSignal);
  out("evd daemon: stopped");
  // Nothing should be left running; if a library keeps a handle open, do not hang on it.
  setTimeout(() => process.exit(process.exitCode ?? 0), 3_000).unref();
  return 0;
}

/** `--background`: start a detached copy of this command, wait until it is ready, return. */
async function runBackground(opts: DaemonOptions): Promise<number> {
  if (!opts.pidFile) {
    err("evd: --background needs --pid-file FILE (where the daemon writes its process id)");
    return 2;
  }
  const loaded = await loadFor(opts);
  assertPidFileFree(resolve(opts.pidFile));
  const held = existsSync(loaded.stateDir) ? probeStateFolderLock(loaded.stateDir) : undefined;
  if (held) {
    err(`evd: ${new StateFolderLockedError(loaded.stateDir, held.owner).message}`);
    return 1;
  }
  mkdirSync(loaded.stateDir, { recursive: true, mode: 0o700 });
  const logFile = join(loaded.stateDir, "daemon.log");
  const fd = openSync(logFile, "a", 0o600);
  const args = process.argv.slice(1).filter((a) => a !== "--background");
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ["ignore", fd, fd],
    env: { ...process.env, [BACKGROUND_CHILD_ENV]: "1" },
    cwd: process.cwd(),
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.once("exit", (code) => (exited = code));
  child.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const info = readAdminInfo(loaded.stateDir);
    if (info && info.pid === child.pid) {
      out(`evd daemon started in the background (pid ${child.pid})`);
      out(`  pid file: ${resolve(opts.pidFile)}`);
      out(`  log:      ${logFile}`);
      out(`  stop it with: evd daemon stop${opts.config ? ` --config ${opts.config}` : ""}`);
      return 0;
    }
    if (exited !== undefined) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const tail = readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
  err(
    `evd: the background daemon did not start${exited !== undefined ? ` (exit code ${exited})` : " within 60 s"}; last lines of ${logFile}:\n${tail}`,
  );
  return 1;
}

/** `evd daemon repair`: with the state folder's lock held (no daemon may run meanwhile). */
function runRepair(stateDir: string): number {
  if (!existsSync(join(stateDir, STORE_FILE_NAME))) {
    err(`evd: no store to repair in ${stateDir}`);
    return 1;
  }
  let lock;
  try {
    lock = lockStateFolder(stateDir);
  } catch (e) {
    if (!(e instanceof StateFolderLockedError)) throw e;
    err(`evd: cannot repair while a daemon runs: ${e.message}`);
    return 1;
  }
  try {
    out(renderRepair(repairStore(join(stateDir, STORE_FILE_NAME))));
    return 0;
  } finally {
    lock.release();
  }
}

function renderRepair(r: RepairReport): string {
  if (r.method === RepairMethod.NOT_NEEDED) return `the store ${r.file} passed its integrity check: nothing to repair`;
  const lines = [
    `the store ${r.file} was damaged: ${r.problems.slice(0, 3).join("; ")}`,
    `  the damaged files are kept as ${r.damagedCopy}`,
  ];
  if (r.method === RepairMethod.REINDEX)
    lines.push("  repaired: the indexes were rebuilt from the tables, no record lost");
  else {
    lines.push("  rebuilt from every record that could be read:");
    for (const [table, t] of Object.entries(r.tables ?? {}))
      lines.push(
        `    ${table}: ${t.kept} kept${t.unreadable ? `, ${t.unreadable} unreadable` : ""}${t.error ? ` (${t.error})` : ""}`,
      );
    lines.push("  events whose records were lost are no longer deduplicated; jobs that were running run again");
  }
  lines.push("  start the daemon again");
  return lines.join("\n");
}

function renderHistory(results: readonly EventResult[]): string {
  if (results.length === 0) return "no runs recorded yet";
  return table([
    ["FINISHED", "HANDLER", "STATUS", "MS", "ATTEMPT", "EVENT", "ERROR/REASON"],
    ...results.map((r) => [
      r.finished_at ?? r.started_at ?? "",
      r.handler ?? "",
      r.status ?? (r.success ? "succeeded" : "failed"),
      r.duration_ms === undefined ? "" : String(r.duration_ms),
      String(r.attempt ?? ""),
      r.event_id,
      r.error ?? r.reason ?? "",
    ]),
  ]);
}

interface StatusBody {
  pid: number;
  started_at: string;
  config: string;
  state_dir: string;
  webhook_url: string | null;
  sources: {
    name: string;
    type: string;
    handler: string;
    state: string;
    next_fire_time?: string | null;
    detail?: string;
    error?: string;
  }[];
  queue_depth: number;
  running: string[];
  max_concurrent_handlers: number;
  queue_overflow: string;
  counts: Record<string, number>;
  guardrails?: GuardrailsStatus;
}

function renderStatus(s: StatusBody): string {
  const lines = [
    `daemon pid ${s.pid}, started ${s.started_at}`,
    `config ${s.config}`,
    `webhooks ${s.webhook_url ?? "(no webhook server)"}`,
    "",
    table([
      ["SOURCE", "TYPE", "HANDLER", "STATE", "DETAIL"],
      ...s.sources.map((x) => [
        x.name,
        x.type,
        x.handler,
        x.state,
        x.error ?? (x.next_fire_time !== undefined ? `next ${x.next_fire_time ?? "never"}` : (x.detail ?? "")),
      ]),
    ]),
    "",
    `queue: ${s.queue_depth} waiting, ${s.running.length}/${s.max_concurrent_handlers} running (overflow: ${s.queue_overflow})`,
    `jobs: ${
      Object.entries(s.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k.toLowerCase()} ${n}`)
        .join(", ") || "none yet"
    }`,
  ];
  if (s.running.length) lines.push(`running: ${s.running.join(", ")}`);
  lines.push(...renderGuardrails(s.guardrails));
  return lines.join("\n");
}

export function register(program: Command): void {
  const daemon = addConfigOptions(program.command("daemon"))
    .description(
      "run the event daemon (webhooks, schedules, file watchers, git pushes) with a durable queue; subcommands talk to a running one",
    )
    .option("--sources <types>", "only start these source types, comma-separated (e.g. file_change,schedule)")
    .option("--background", "start detached; stdout/stderr go to <state dir>/daemon.log (needs --pid-file)")
    .option("--pid-file <file>", "write the daemon's process id here; refuses to start if it names a running process")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  evd daemon --config examples/quickstart.yaml",
        "  evd daemon --profile pr-reviewer-daemon --sources git_pr,schedule",
        "  evd daemon --profile pr-reviewer-daemon --background --pid-file .amplifier/evd-pr.pid",
        "  evd daemon status --config examples/quickstart.yaml",
        "",
        "Stops gracefully on SIGINT/SIGTERM or `evd daemon stop`: sources stop, watchers flush, running",
        "jobs finish (30 s), the rest are given back to the queue and run on the next start.",
      ].join("\n"),
    )
    .action(async (_opts: DaemonOptions, cmd: Command) => {
      const opts = globals(cmd);
      process.exitCode =
        opts.background && process.env[BACKGROUND_CHILD_ENV] !== "1"
          ? await runBackground(opts)
          : await runForeground(opts);
    });

  daemon
    .command("status")
    .description("sources and their state, next fire times, queue depth, running jobs, counts")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }, cmd: Command) => {
      process.exitCode = await withDaemon(globals(cmd), async (client) => {
        const s = await client.call<StatusBody>("GET", "/status");
        out(o.json ? JSON.stringify(s, null, 2) : renderStatus(s));
      });
    });

  daemon
    .command("trigger")
    .description("run a handler now with a manual event")
    .requiredOption("--handler <name>", "handler to run")
    .option("--payload <json>", "event payload (a JSON object)", "{}")
    .action(async (o: { handler: string; payload: string }, cmd: Command) => {
      let payload: unknown;
      try {
        payload = JSON.parse(o.payload);
      } catch (e) {
        err(`evd: --payload is not JSON: ${(e as Error).message}`);
        process.exitCode = 2;
        return;
      }
      if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
        err('evd: --payload must be a JSON object, e.g. \'{"environment":"production"}\'');
        process.exitCode = 2;
        return;
      }
      let refused = false;
      const code = await withDaemon(globals(cmd), async (client) => {
        const r = await client.call<{ status: string; event_id: string; jobs?: string[]; reason?: string }>(
          "POST",
          "/trigger",
          { handler: o.handler, payload },
        );
        out(JSON.stringify(r));
        refused = r.status === "rejected";
      });
      process.exitCode = code === 0 && refused ? 1 : code;
    });

  daemon
    .command("history")
    .description("recent runs (EventResults), newest first; reads the store directly when no daemon runs")
    .option("--limit <n>", "how many", "50")
    .option("--handler <name>", "only this handler")
    .option("--status <status>", "only succeeded | failed | skipped | dropped | budget_exceeded")
    .option("--json", "print JSON")
    .action(async (o: { limit: string; handler?: string; status?: string; json?: boolean }, cmd: Command) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        err(`evd: --limit must be a positive integer, got "${o.limit}"`);
        process.exitCode = 2;
        return;
      }
      const loaded = await loadFor(globals(cmd));
      const client = daemonOrNote(loaded);
      let results: EventResult[];
      if (client) {
        const q = new URLSearchParams({
          limit: String(limit),
          ...(o.handler ? { handler: o.handler } : {}),
          ...(o.status ? { status: o.status } : {}),
        });
        results = await client.call<EventResult[]>("GET", `/history?${q}`);
      } else {
        results = await withStore(loaded, (s) =>
          s.history.list({ limit, handler: o.handler, status: o.status as RunStatus | undefined }),
        );
      }
      out(scrubFor(loaded)(o.json ? JSON.stringify(results, null, 2) : renderHistory(results)));
    });

  daemon
    .command("stop")
    .description("stop the running daemon gracefully and wait until it has stopped")
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withDaemon(globals(cmd), async (client, loaded) => {
        await client.call("POST", "/stop");
        const deadline = Date.now() + 60_000;
        while (readAdminInfo(loaded.stateDir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        out(
          readAdminInfo(loaded.stateDir)
            ? `evd: daemon pid ${client.info.pid} is still stopping`
            : `evd: daemon pid ${client.info.pid} stopped`,
        );
      });
    });

  daemon
    .command("replay")
    .description("re-run logged events as new jobs (ids marked as replays, so dedupe does not swallow them)")
    .option("--handler <name>", "only jobs of this handler")
    .option("--since <time>", "events received since an ISO-8601 time or a duration ago (2h, 30m, 7d)")
    .option("--status <status>", "only jobs whose latest run ended so (e.g. failed)")
    .action(async (o: { handler?: string; since?: string; status?: string }, cmd: Command) => {
      process.exitCode = await withDaemon(globals(cmd), async (client) => {
        const r = await client.call<{ replayed: number; jobs: { jobId: string; replayOf: string }[] }>(
          "POST",
          "/replay",
          o,
        );
        out(`replayed ${r.replayed} job(s)`);
        for (const j of r.jobs) out(`  ${j.jobId}  (replay of ${j.replayOf})`);
      });
    });

  registerGuardrailVerbs(daemon, globals);

  daemon
    .command("repair")
    .description(
      "rebuild a damaged store (the daemon refuses to start on one); the damaged files are kept as evd.db.damaged-<time>",
    )
    .action(async (_o: unknown, cmd: Command) => {
      const loaded = await loadFor(globals(cmd));
      process.exitCode = runRepair(loaded.stateDir);
    });

  daemon
    .command("ui")
    .description("print a fresh one-time login link to the running daemon's dashboard")
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await withDaemon(globals(cmd), async (client) => {
        const r = await client.call<{ url: string }>("POST", "/ui-login");
        out(r.url);
      });
    });

  daemon
    .command("state")
    .description("export the spec's EventState (last_run, processed_events, pending_queue, handler_state)")
    .option("--json", "print JSON (the only format)")
    .action(async (_o: unknown, cmd: Command) => {
      const loaded = await loadFor(globals(cmd));
      const client = daemonOrNote(loaded);
      const state = client ? await client.call("GET", "/state") : await withStore(loaded, (s) => s.exportState());
      out(JSON.stringify(state, null, 2));
    });
}
