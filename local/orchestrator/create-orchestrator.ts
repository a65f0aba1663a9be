/**
 * The library API, the spec's `EventDrivenOrchestrator` for TypeScript programs:
 *
 *   const orchestrator = await createOrchestrator({ configPath: "evd.yaml" });
 *   orchestrator.registerSource("webhook", { path: "/hooks/deploy", secret: "${SECRET}" }, "on-deploy");
 *   const result = await orchestrator.handleEvent(event, "on-deploy");   // one EventResult
 *   await orchestrator.start(); ... await orchestrator.stop();           // the daemon
 *   await orchestrator.execute();                                        // by `mode`
 *
 * `evd daemon` and `evd event` are built on it, so the CLI, the daemon and a program using the
 * library run handlers the same way (local/orchestrator/runtime.ts composes what they share).
 */
import { dirname, resolve } from "node:path";
import { escapeForReparse } from "../../shared/config/deploy-bundle.ts";
import type { Env } from "../../shared/config/interpolate.ts";
import { loadConfig, type LoadedConfig } from "../../shared/config/load.ts";
import { parseConfig } from "../../shared/config/parse.ts";
import type { OrchestratorConfig, OrchestratorConfigInput, SourceType } from "../../shared/config/schema.ts";
import { jobIdOf, type Event, type EventResult } from "../../shared/events/event.ts";
import { AdmissionKind, configRoute, createAdmission, type AdmissionOutcome } from "../../shared/ingest/admit.ts";
import { jsonLogger, type Logger } from "../../shared/logging/logger.ts";
import { MemoryHandlerStateStore } from "../../shared/memory/memory-handler-state-store.ts";
import { MemoryHistoryStore } from "../../shared/memory/memory-history-store.ts";
import { MemoryJobQueue } from "../../shared/memory/memory-job-queue.ts";
import { MemoryJobStore } from "../../shared/memory/memory-job-store.ts";
import { MemoryLastRunStore } from "../../shared/memory/memory-last-run-store.ts";
import { nodeConfigFiles } from "../../shared/node/node-config-files.ts";
import { systemClock, type Clock } from "../../shared/ports/clock.ts";
import type { Provider } from "../../shared/providers/provider.ts";
import { leaseFor } from "../../shared/runner/lease.ts";
import { runJob } from "../../shared/runner/run-job.ts";
import { startDaemon, type RunningDaemon } from "../daemon/daemon.ts";
import { createRuntime, type Runtime } from "./runtime.ts";

export interface OrchestratorOptions {
  /** The configuration itself, in the config file's shape (relative paths resolve from `cwd`). */
  readonly config?: OrchestratorConfigInput;
  /** Or where to read it: a file, an Amplifier profile name, or a bundle (as `evd --config/--profile/--bundle`). */
  readonly configPath?: string;
  readonly profile?: string;
  readonly bundle?: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** `${VAR}` interpolation and `${NAME}` secrets. @default process.env */
  readonly env?: Env;
  /** Structured logs (the daemon's too). @default JSON lines on stderr, warnings and errors */
  readonly logger?: Logger;
  /** Extra or replacing providers by name (your own model client, a test double). */
  readonly providers?: Readonly<Record<string, Provider>>;
}

export interface StartOptions {
  /** Only these source types (`--sources`). */
  readonly sources?: readonly string[];
  readonly pidFile?: string;
  /** The daemon's banner. @default stdout */
  readonly print?: (text: string) => void;
}

export interface Orchestrator {
  /** The configuration in force (with the sources registered so far). */
  readonly config: OrchestratorConfig;
  /** Adds a source before `start()`; the whole configuration is checked again (a ConfigError says what is wrong). */
  registerSource(type: SourceType, source: Record<string, unknown>, handler: string): void;
  /**
   * Runs `handler` for `event` now, outside the queue (no dedupe across calls, no retries), and
   * resolves to its EventResult. Handler state lives in this process's memory.
   */
  handleEvent(event: Event, handler: string): Promise<EventResult>;
  /** Routes an event as its source would (hooks first): the jobs it makes, or why there are none. */
  route(event: Event, options?: { readonly handler?: string }): Promise<AdmissionOutcome>;
  /** Starts every source, the queue and the worker (the daemon). */
  start(options?: StartOptions): Promise<RunningDaemon>;
  /** Stops what `start()` started, gracefully. */
  stop(reason?: string): Promise<void>;
  /**
   * By the config's `mode`: `daemon` starts and resolves once stopped; `one-shot` runs what is
   * pending (queued jobs, missed schedules) and resolves when done. Resolves to a summary line.
   */
  execute(options?: StartOptions): Promise<string>;
}

async function loadFromOptions(opts: OrchestratorOptions, env: Env, cwd: string): Promise<LoadedConfig> {
  if (opts.config === undefined)
    return loadConfig({
      configPath: opts.configPath,
      profile: opts.profile,
      bundle: opts.bundle,
      cwd,
      env,
      files: nodeConfigFiles,
    });
  const config = parseConfig(opts.config, { where: "createOrchestrator({ config })", env });
  return { config, configPath: cwd, configDir: cwd, stateDir: dirname(resolve(cwd, config.state_file)), notes: [] };
}

/** What a one-shot run did (its runs) and what it leaves waiting (the store's counts). */
function oneShotSummary(runs: readonly EventResult[], counts: Record<string, number>): string {
  const by = (status: string) => runs.filter((r) => r.status === status).length;
  const ran = `${runs.length} run(s): ${by("succeeded")} succeeded, ${by("failed")} failed, ${by("parked")} stopped at an approval gate`;
  const left = `${counts.PARKED ?? 0} waiting at an approval gate, ${counts.RETRY_WAIT ?? 0} waiting to retry, ${counts.DEAD ?? 0} dead-lettered`;
  return `one-shot: ${ran}; left: ${left}`;
}

export async function createOrchestrator(options: OrchestratorOptions = {}): Promise<Orchestrator> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const logger = options.logger ?? jsonLogger((line) => process.stderr.write(`${line}\n`), { level: "warn" });
  const clock: Clock = systemClock;
  let current = await loadFromOptions(options, env, cwd);
  let runtime: Promise<Runtime> | undefined;
  let daemon: RunningDaemon | undefined;
  const memoryState = new MemoryHandlerStateStore();
  const history = new MemoryHistoryStore();
  const lastRun = new MemoryLastRunStore();

  const runtimeOf = (): Promise<Runtime> =>
    (runtime ??= createRuntime({
      config: current.config,
      configDir: current.configDir,
      env,
      logger,
      handlerState: memoryState,
      clock,
      ...(options.providers ? { providers: options.providers } : {}),
    }));

  const orchestrator: Orchestrator = {
    get config() {
      return current.config;
    },

    registerSource(type, source, handler) {
      if (daemon)
        throw new Error("registerSource: the orchestrator is already started; register sources before start()");
      const raw = escapeForReparse(current.config) as Record<string, unknown>;
      const sources = [...(raw.sources as unknown[]), { ...source, type, handler }];
      const config = parseConfig({ ...raw, sources }, { where: `registerSource(${type}, ${handler})`, env });
      current = { ...current, config };
      runtime = undefined;
    },

    async route(event, opts = {}) {
      const { hooks } = await runtimeOf();
      const admit = createAdmission({
        route: configRoute(current.config),
        queue: new MemoryJobQueue(),
        hooks,
        clock,
        logger,
      });
      return admit(event, opts.handler !== undefined ? { handler: opts.handler } : {});
    },

    async handleEvent(event, handler) {
      if (!current.config.handlers[handler])
        throw new Error(
          `handleEvent: no handler named "${handler}"; handlers: ${Object.keys(current.config.handlers).join(", ") || "(none)"}`,
        );
      const { hooks, pipeline } = await runtimeOf();
      const job = {
        id: jobIdOf(event.id, handler),
        handler,
        event,
        attempt: 1,
        enqueued_at: new Date(clock.now()).toISOString(),
      };
      const outcome = await runJob(job, current.config, {
        // A fresh claim every call: handleEvent runs the handler each time it is asked.
        jobs: new MemoryJobStore(),
        history,
        lastRun,
        pipeline,
        hooks,
        clock,
        logger,
        leaseMs: leaseFor(current.config, [handler]),
      });
      if ("result" in outcome) return outcome.result;
      const at = new Date(clock.now()).toISOString();
      return {
        event_id: event.id,
        success: true,
        actions_taken: [],
        output: null,
        error: null,
        job_id: job.id,
        handler,
        status: "skipped",
        reason: outcome.kind === "duplicate" ? "already handled by this orchestrator" : "another run holds it",
        started_at: at,
        finished_at: at,
        duration_ms: 0,
      };
    },

    async start(startOptions = {}) {
      if (daemon) throw new Error("start: the orchestrator is already started");
      daemon = await startDaemon({
        loaded: current,
        cwd,
        env,
        logger,
        ...(startOptions.sources ? { sources: startOptions.sources } : {}),
        ...(startOptions.pidFile ? { pidFile: startOptions.pidFile } : {}),
        ...(startOptions.print ? { print: startOptions.print } : {}),
      });
      void daemon.stopped.then(() => (daemon = undefined));
      return daemon;
    },

    async stop(reason) {
      await daemon?.stop(reason);
      daemon = undefined;
    },

    async execute(startOptions = {}) {
      if (current.config.mode === "daemon") {
        const running = await orchestrator.start(startOptions);
        await running.stopped;
        return "daemon: stopped";
      }
      if (daemon) throw new Error("execute: the orchestrator is already started");
      const since = clock.now();
      const running = await startDaemon({
        loaded: current,
        cwd,
        env,
        oneShot: true,
        logger,
        ...(startOptions.pidFile ? { pidFile: startOptions.pidFile } : {}),
        ...(startOptions.print ? { print: startOptions.print } : {}),
      });
      await running.idle();
      const summary = oneShotSummary(await running.history({ since }), running.counts());
      await running.stop("one-shot: done");
      return summary;
    },
  };
  return orchestrator;
}

export { AdmissionKind };
