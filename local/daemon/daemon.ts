/**
 * The daemon's composition root: config -> embedded store -> hooks -> pipeline runner -> shared
 * ingest behind the local HTTP server, the worker feeding the shared job runner, the scheduler,
 * the file watchers, and the admin API the CLI verbs talk to. Stops gracefully: sources first,
 * watchers flushed, the worker finishing (or giving back) its jobs, then the store.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig, type LoadedConfig } from "../../shared/config/load.ts";
import type { OrchestratorConfig, SourceConfig, SourceType } from "../../shared/config/schema.ts";
import { SOURCE_TYPES } from "../../shared/config/schema.ts";
import { sourceName } from "../../shared/config/source-name.ts";
import { nextFireTime } from "../../shared/cron/next-fire-time.ts";
import { fileChangeEvent } from "../../shared/events/file-change-event.ts";
import { withCausation } from "../../shared/guardrails/causation.ts";
import { scheduleEvent } from "../../shared/events/schedule-event.ts";
import type { EventResult } from "../../shared/events/event.ts";
import { LifecycleEvent } from "../../shared/hooks/lifecycle.ts";
import type { HistoryQuery } from "../../shared/ports/history-store.ts";
import { configEndpoints } from "../../shared/ingest/endpoints.ts";
import { AdmissionKind, configRoute, createAdmission, type Admit } from "../../shared/ingest/admit.ts";
import { createIngest } from "../../shared/ingest/ingest.ts";
import { jsonLogger, type Logger } from "../../shared/logging/logger.ts";
import { nodeConfigFiles } from "../../shared/node/node-config-files.ts";
import { createRuntime, type Runtime } from "../orchestrator/runtime.ts";
import { openLocalStore, type LocalStore } from "../store/local-store.ts";
import { storeHandlerState } from "../store/store-handler-state.ts";
import { createWorker, type Worker } from "../worker/worker.ts";
import { createFileWatcher, type FileWatcher } from "../watcher/file-watcher.ts";
import { startAdminApi, type AdminApi, type AdminInfo } from "./admin-api.ts";
import { createDaemonControl } from "./daemon-control.ts";
import { createDaemonGuardrails } from "./daemon-guardrails.ts";
import { banner } from "./banner.ts";
import { createWebhookServer, type WebhookServer } from "./http-server.ts";
import { writePidFile } from "./pid-file.ts";
import { createScheduler, type Firing, type Scheduler } from "./scheduler.ts";
import { schedulerTimeFromEnv } from "./test-clock.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { AckLatencyRecorder, timedIngest } from "../dashboard/ack-latency.ts";
import { daemonDashboardSource } from "../dashboard/daemon-dashboard-source.ts";
import { createDashboardHttp } from "../dashboard/dashboard-http.ts";
import { DashboardSessions } from "../dashboard/dashboard-sessions.ts";
import { SourcePauses } from "./source-pauses.ts";

export const HTTP_SOURCE_TYPES: readonly SourceType[] = ["git_push", "git_pr", "webhook", "custom"];

/** How often `idle()` looks at the queue. */
const IDLE_POLL_MS = 50;

export interface DaemonOptions {
  /** The configuration, already loaded (the library API); else it is loaded from the options below. */
  readonly loaded?: LoadedConfig;
  readonly configPath?: string;
  readonly profile?: string;
  readonly bundle?: string;
  readonly cwd?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--sources`: only these source types start. @default all */
  readonly sources?: readonly string[];
  /** Structured JSON logs. @default JSON lines on stderr */
  readonly logger?: Logger;
  /** Human output (the banner). @default stdout */
  readonly print?: (text: string) => void;
  /** Written by this process once ready; refused when it names a live process. */
  readonly pidFile?: string;
  /** How long a graceful stop waits for running jobs before giving them back. @default 30000 */
  readonly stopTimeoutMs?: number;
  /**
   * The spec's `mode: one-shot`: no webhook server and no file watchers; schedules only submit the
   * runs they missed; the caller waits for `idle()` and stops.
   */
  readonly oneShot?: boolean;
}

export interface RunningDaemon {
  readonly loaded: LoadedConfig;
  readonly webhook?: { readonly host: string; readonly port: number; readonly url: string };
  readonly admin: AdminInfo;
  /** Graceful stop; idempotent. */
  stop(reason?: string): Promise<void>;
  /** Resolves once stopped (by stop(), the admin API, or a signal handler calling stop()). */
  readonly stopped: Promise<void>;
  /** Resolves once no job runs and none is due now (one-shot: what was pending has run). */
  idle(): Promise<void>;
  /** Jobs per store state (one-shot's summary). */
  counts(): Record<string, number>;
  /** Recorded runs, newest first. */
  history(query?: HistoryQuery): Promise<EventResult[]>;
}

export class DaemonError extends Error {
  override readonly name = "DaemonError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

type SourceState = "started" | "stopped" | "error" | "ready" | "not selected" | "disabled";
interface SourceEntry {
  readonly name: string;
  readonly index: number;
  readonly source: SourceConfig;
  state: SourceState;
  error?: string;
  detail?: string;
}

/** Parses `--sources file_change,schedule`; an unknown type is an error naming the known ones. */
export function parseSourceTypes(list: readonly string[] | undefined): ReadonlySet<SourceType> | undefined {
  if (list === undefined) return undefined;
  const out = new Set<SourceType>();
  for (const raw of list
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "")) {
    if (!(SOURCE_TYPES as readonly string[]).includes(raw))
      throw new DaemonError(`--sources: unknown source type "${raw}"; expected some of ${SOURCE_TYPES.join(", ")}`);
    out.add(raw as SourceType);
  }
  if (out.size === 0) throw new DaemonError("--sources: give at least one source type");
  return out;
}

/** The config with the sources that were not selected disabled (indices, hence names, kept). */
function selectedConfig(config: OrchestratorConfig, selected: ReadonlySet<SourceType> | undefined): OrchestratorConfig {
  if (!selected) return config;
  return { ...config, sources: config.sources.map((s) => (selected.has(s.type) ? s : { ...s, enabled: false })) };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  const logger =
    opts.logger ?? jsonLogger((line) => process.stderr.write(`${line}\n`), { base: { component: "daemon" } });
  const print = opts.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  const selected = opts.oneShot ? new Set<SourceType>(["schedule", "manual"]) : parseSourceTypes(opts.sources);
  const clock = systemClock;
  const schedulerTime = schedulerTimeFromEnv(opts.env);
  if (schedulerTime.test) {
    logger.log(
      "warn",
      "TEST CLOCK: the scheduler's clock is shifted/sped up (EVD_TEST_CLOCK_*); never use this outside tests",
      { offset_ms: schedulerTime.offsetMs, speed: schedulerTime.speed },
    );
  }

  const loaded =
    opts.loaded ??
    (await loadConfig({
      configPath: opts.configPath,
      profile: opts.profile,
      bundle: opts.bundle,
      cwd: opts.cwd,
      env: opts.env,
      files: nodeConfigFiles,
    }));
  const { configDir, stateDir } = loaded;
  const config = selectedConfig(loaded.config, selected);
  const removePidFile = opts.pidFile ? writePidFile(resolve(opts.cwd ?? process.cwd(), opts.pidFile)) : () => {};

  const cleanups: (() => Promise<void> | void)[] = [removePidFile];
  async function cleanup(): Promise<void> {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.log("error", "cleanup step failed", { error: message(err) });
      }
    }
  }

  try {
    const store: LocalStore = openLocalStore({ dir: stateDir, config, clock });
    cleanups.push(() => store.close());

    const { hooks, secrets, pipeline }: Runtime = await createRuntime({
      config,
      configDir,
      env: opts.env,
      logger,
      handlerState: storeHandlerState(store),
      clock,
    });
    const guardrails = createDaemonGuardrails({
      config,
      configDir,
      store,
      hooks,
      clock,
      logger: logger.child({ component: "guardrails" }),
      env: opts.env,
    });
    cleanups.push(() => guardrails.shutdown()); // after the worker stopped, before the store closes
    if (guardrails.otlpUrl) logger.log("info", "traces exported over OTLP/HTTP", { url: guardrails.otlpUrl });
    const ingest = createIngest({
      config,
      queue: store,
      secrets,
      hooks,
      clock,
      logger: logger.child({ component: "ingest" }),
      ...guardrails.admission,
    });
    const admit: Admit = createAdmission({
      route: configRoute(config),
      queue: store,
      hooks,
      clock,
      logger: logger.child({ component: "intake" }),
      ...guardrails.admission,
    });

    const worker: Worker = createWorker({ store, config, pipeline, hooks, clock, logger, guardrails: guardrails.run });
    // The dashboard's: webhook acknowledgement times, and the sources paused from it.
    const ackLatency = new AckLatencyRecorder();
    const pauses = new SourcePauses(join(stateDir, "paused-sources.json"));
    const recovered = await worker.start();
    logger.log("info", "store opened", { file: store.file, recovered, pending: store.depth() });
    cleanups.push(async () => {
      const report = await worker.stop({ timeoutMs: opts.stopTimeoutMs ?? 30_000 });
      logger.log("info", "worker stopped", { finished: report.finished, released: report.released });
    });

    const entries: SourceEntry[] = loaded.config.sources.map((source, index) => ({
      name: sourceName(source, index),
      index,
      source,
      state: !source.enabled
        ? "disabled"
        : selected && !selected.has(source.type)
          ? "not selected"
          : source.type === "manual"
            ? "ready"
            : "stopped",
    }));
    // Cleanups run in reverse: sources (pushed below) stop first, then this announces them stopped,
    // then the worker finishes, then the admin API, the store and the pid file.
    cleanups.push(async () => {
      for (const e of entries) {
        if (e.state === "started") {
          e.state = "stopped";
          await sourceEvent(e, LifecycleEvent.SOURCE_STOPPED);
        }
      }
    });
    const active = (type: SourceType) => entries.filter((e) => e.source.type === type && e.state === "stopped");

    async function sourceEvent(e: SourceEntry, lifecycle: LifecycleEvent, error?: string): Promise<void> {
      try {
        await hooks.emit(lifecycle, { source: e.name, source_type: e.source.type, ...(error ? { error } : {}) });
      } catch (err) {
        logger.log("warn", `${lifecycle} hook failed`, { source: e.name, error: message(err) });
      }
    }
    async function markStarted(e: SourceEntry, detail?: string): Promise<void> {
      e.state = "started";
      e.detail = detail;
      await sourceEvent(e, LifecycleEvent.SOURCE_STARTED);
    }
    async function markError(e: SourceEntry, err: unknown): Promise<void> {
      e.error = message(err);
      if (e.state !== "started") e.state = "error";
      await sourceEvent(e, LifecycleEvent.SOURCE_ERROR, e.error);
    }

    // Webhooks (GitHub and generic) share one HTTP server.
    let server: WebhookServer | undefined;
    let webhook: RunningDaemon["webhook"];
    const httpEntries = entries.filter((e) => HTTP_SOURCE_TYPES.includes(e.source.type) && e.state === "stopped");
    const endpoints = configEndpoints(config);
    if (httpEntries.length > 0 && endpoints.size > 0) {
      const bodyLimit = (path: string) => endpoints.get(path)?.maxBodyBytes ?? config.max_body_bytes;
      server = createWebhookServer({
        host: config.webhook_host,
        port: config.webhook_port,
        bodyLimit,
        ingest: timedIngest(ingest, ackLatency),
        logger: logger.child({ component: "http" }),
      });
      const addr = await server.listen();
      const shownHost =
        addr.host === "0.0.0.0" || addr.host === "::"
          ? "127.0.0.1"
          : addr.host.includes(":")
            ? `[${addr.host}]`
            : addr.host;
      webhook = { ...addr, url: `http://${shownHost}:${addr.port}` };
      const srv = server;
      cleanups.push(() => srv.close());
      for (const e of httpEntries) {
        const path =
          e.source.type === "webhook" ? e.source.path : "path" in e.source && e.source.path ? e.source.path : "/github";
        await markStarted(e, `POST ${webhook.url}${path}`);
      }
    }

    // Schedules.
    const scheduleEntries = active("schedule");
    let scheduler: Scheduler | undefined;
    if (scheduleEntries.length > 0) {
      const byName = new Map(scheduleEntries.map((e) => [e.name, e]));
      scheduler = createScheduler({
        schedules: scheduleEntries.map((e) => {
          const s = e.source as Extract<SourceConfig, { type: "schedule" }>;
          return { name: e.name, cron: s.cron, timezone: s.timezone, payload: s.payload };
        }),
        nextFireTime,
        clock: schedulerTime.clock,
        timers: schedulerTime.timers,
        lastRun: config.persist_last_run ? store.lastRun : undefined,
        logger: logger.child({ component: "scheduler" }),
        fire: async (f: Firing) => {
          if (pauses.isPaused(f.schedule.name)) {
            logger.log("info", "schedule paused: this firing is skipped", {
              source: f.schedule.name,
              scheduled_time: f.scheduledTime.toISOString(),
            });
            return;
          }
          const payload = {
            ...(f.schedule.payload ?? {}),
            ...(f.catchUp ? { catch_up: true, last_run: f.lastRun?.toISOString() } : {}),
          };
          const outcome = await admit(scheduleEvent(f.schedule.name, f.scheduledTime, payload));
          if (outcome.kind === AdmissionKind.REJECTED || outcome.kind === AdmissionKind.UNAVAILABLE)
            throw new DaemonError(
              `schedule ${f.schedule.name} at ${f.scheduledTime.toISOString()} refused: ${"reason" in outcome ? outcome.reason : outcome.error}`,
            );
        },
        onError: (spec, err) => {
          const e = byName.get(spec.name);
          if (e) void markError(e, err);
        },
      });
      await scheduler.start();
      const sch = scheduler;
      cleanups.push(() => sch.stop());
      // One-shot: the missed runs were submitted by start(); nothing fires later.
      if (opts.oneShot) sch.stop();
      const next = scheduler.nextFireTimes();
      for (const e of scheduleEntries) await markStarted(e, `next ${next[e.name] ?? "never"}`);
    }

    // File watchers.
    const watchers: FileWatcher[] = [];
    for (const e of active("file_change")) {
      const s = e.source as Extract<SourceConfig, { type: "file_change" }>;
      const root = resolve(configDir, s.path);
      if (!existsSync(root)) {
        await markError(e, `watched path ${root} does not exist`);
        continue;
      }
      const watcher = createFileWatcher({
        source: e.name,
        root,
        pattern: s.pattern,
        ignore: s.ignore,
        events: s.events,
        debounceMs: s.debounce_ms ?? config.debounce_ms,
        maxContentBytes: s.max_content_bytes,
        ignorePaths: [stateDir],
        ownChanges: { match: guardrails.ownWrites.match, ignore: config.guardrails.ignore_own_writes },
        logger: logger.child({ component: "watcher", source: e.name }),
        onError: (err) => void markError(e, err),
        onChanges: async (set) => {
          if (pauses.isPaused(e.name)) {
            logger.log("info", "file watcher paused: change set dropped", {
              source: e.name,
              files: set.changes.length,
            });
            return undefined;
          }
          const event = fileChangeEvent({
            source: set.source,
            root: set.root,
            changes: set.changes,
            now: new Date(clock.now()),
          });
          const outcome = await admit(withCausation(event, set.causation));
          // Back-pressure (queue full) or a store failure: coalesce into the next change set.
          return outcome.kind === AdmissionKind.REJECTED || outcome.kind === AdmissionKind.UNAVAILABLE
            ? "retry"
            : undefined;
        },
      });
      try {
        await watcher.start();
        watchers.push(watcher);
        await markStarted(e, `watching ${root}`);
      } catch (err) {
        await markError(e, err);
      }
    }
    cleanups.push(async () => {
      await Promise.all(watchers.map((w) => w.stop()));
    });

    let stopping: Promise<void> | undefined;
    let resolveStopped!: () => void;
    const stopped = new Promise<void>((r) => (resolveStopped = r));
    const startedAt = new Date(clock.now()).toISOString();

    const stop = (reason = "stop requested"): Promise<void> => {
      stopping ??= (async () => {
        logger.log("info", "daemon stopping", { reason });
        await cleanup();
        logger.log("info", "daemon stopped");
        resolveStopped();
      })();
      return stopping;
    };

    const controlDeps = {
      config,
      configPath: loaded.configPath,
      stateDir,
      startedAt,
      webhookUrl: webhook?.url,
      store,
      worker,
      admit,
      clock,
      sources: () => {
        const next = scheduler?.nextFireTimes() ?? {};
        return guardrails.withPauses(
          entries.map((e) => ({
            name: e.name,
            type: e.source.type,
            handler: e.source.handler,
            state: e.state,
            ...(e.source.type === "schedule"
              ? { cron: e.source.cron, timezone: e.source.timezone, next_fire_time: next[e.name] ?? null }
              : {}),
            ...(e.detail ? { detail: e.detail } : {}),
            ...(e.error ? { error: e.error } : {}),
          })),
        );
      },
      guardrails: guardrails.control,
      stop,
    };
    const control = createDaemonControl(controlDeps);

    // The dashboard answers as the admin listener's origins, known once it listens.
    const listening: { origins: readonly string[] } = { origins: [] };
    const dashboard = createDashboardHttp({
      source: daemonDashboardSource({ ...controlDeps, pauses, ackLatency }),
      sessions: new DashboardSessions(),
      origins: () => listening.origins,
      logger: logger.child({ component: "dashboard" }),
      pollMs: 300,
      loginHint: `For a new link: npx evd daemon ui --config ${loaded.configPath}`,
    });
    const adminApi: AdminApi = await startAdminApi({
      stateDir,
      control,
      dashboard,
      logger: logger.child({ component: "admin" }),
    });
    listening.origins = adminApi.origins;
    cleanups.splice(2, 0, () => adminApi.close()); // after the worker, before the store and the pid file

    print(
      banner({
        config: loaded.config,
        configPath: loaded.configPath,
        stateDir,
        webhookUrl: webhook?.url,
        sources: entries.map((e) => ({
          name: e.name,
          type: e.source.type,
          handler: e.source.handler,
          state: e.state,
          detail: e.error ?? e.detail,
        })),
        env: opts.env,
        nowSeconds: Math.floor(clock.now() / 1000),
        dashboardUrl: adminApi.dashboardLoginUrl(),
      }),
    );
    const idle = async (): Promise<void> => {
      for (;;) {
        const counts = store.counts();
        const due = store.nextDueAt();
        const busy = worker.running().length + counts.RUNNING + counts.FAILED;
        if (busy === 0 && (due === undefined || due > clock.now())) return;
        await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
      }
    };
    return {
      loaded,
      webhook,
      admin: adminApi.info,
      stop,
      stopped,
      idle,
      counts: () => store.counts(),
      history: (query) => store.history.list(query),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
