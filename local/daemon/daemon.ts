/**
 * The daemon's composition root. Start-up runs in named stages, in this order:
 *   config -> lock (state folder) -> pid file -> store (open + integrity) -> runtime (hooks,
 *   pipeline, ingest, intake) -> recovery (interrupted runs, then the worker) -> sources (webhooks,
 *   schedules, watchers) -> admin API -> banner.
 * The lock comes before anything in the state folder changes, so a second daemon on the same
 * folder is refused before it could recover (re-queue) the first one's running jobs or touch its
 * files. Stop runs the shutdown steps in their fixed order (shutdown-steps.ts): sources first,
 * watchers flushed, the worker finishing (or giving back) its jobs, the admin API, the store, the
 * pid file, the lock.
 */
import { join } from "node:path";
import { loadConfig, type LoadedConfig } from "../../shared/config/load.ts";
import type { SourceType } from "../../shared/config/schema.ts";
import type { EventResult } from "../../shared/events/event.ts";
import { configRoute, createAdmission } from "../../shared/ingest/admit.ts";
import { createIngest } from "../../shared/ingest/ingest.ts";
import { jsonLogger, type Logger } from "../../shared/logging/logger.ts";
import { nodeConfigFiles } from "../../shared/node/node-config-files.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import type { HistoryQuery } from "../../shared/ports/history-store.ts";
import {
  configSecretValues,
  scrubbingLogger,
  secretScrubber,
  shapeScrubber,
  type SecretScrubber,
} from "../../shared/secrets/secret-scrubber.ts";
import { createRuntime } from "../orchestrator/runtime.ts";
import type { LocalStoreOptions } from "../store/local-store.ts";
import { storeHandlerState } from "../store/store-handler-state.ts";
import { createWorker } from "../worker/worker.ts";
import { startAdminApi, type AdminInfo } from "./admin-api.ts";
import { banner } from "./banner.ts";
import { createDaemonControl } from "./daemon-control.ts";
import { createDaemonGuardrails } from "./daemon-guardrails.ts";
import { ShutdownStep, ShutdownSteps } from "./shutdown-steps.ts";
import { createSourceRegistry } from "./source-registry.ts";
import { parseSourceTypes, selectedConfig } from "./source-selection.ts";
import { startSchedules, startWatchers, startWebhookSources, type WebhookAddress } from "./start-sources.ts";
import { lockStage, pidFileStage, recoveryStage, storeHealthReport, storeStage } from "./startup-stages.ts";
import { schedulerTimeFromEnv } from "./test-clock.ts";
import { AckLatencyRecorder, timedIngest } from "../dashboard/ack-latency.ts";
import { daemonDashboardSource } from "../dashboard/daemon-dashboard-source.ts";
import { createDashboardHttp } from "../dashboard/dashboard-http.ts";
import { DashboardSessions } from "../dashboard/dashboard-sessions.ts";
import { SourcePauses } from "./source-pauses.ts";

export { HTTP_SOURCE_TYPES } from "./start-sources.ts";
export { DaemonError, parseSourceTypes } from "./source-selection.ts";

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
  /** TEST ONLY: an injected store write failure (the reliability suite's ENOSPC where it cannot mount a small disk). */
  readonly testStoreWriteFault?: LocalStoreOptions["testWriteFault"];
}

export interface RunningDaemon {
  readonly loaded: LoadedConfig;
  readonly webhook?: WebhookAddress;
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

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  // Secrets never reach the log or the store: key shapes from the first line, configured values once the config is read.
  let scrubber: SecretScrubber = shapeScrubber;
  const logger = scrubbingLogger(
    opts.logger ?? jsonLogger((line) => process.stderr.write(`${line}\n`), { base: { component: "daemon" } }),
    () => scrubber,
  );
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

  // Config: read only, nothing in the state folder is touched yet.
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
  scrubber = secretScrubber(configSecretValues(loaded.config, opts.env));
  const shutdown = new ShutdownSteps((step, err) =>
    logger.log("error", "a stop step failed", { step, error: message(err) }),
  );

  try {
    const lock = lockStage({ stateDir, configPath: loaded.configPath, shutdown, now: () => clock.now() });
    pidFileStage({ pidFile: opts.pidFile, cwd: opts.cwd, shutdown });
    const store = storeStage({
      stateDir,
      config,
      clock,
      shutdown,
      logger,
      scrub: (text) => scrubber.scrub(text),
      ...(opts.testStoreWriteFault ? { testWriteFault: opts.testStoreWriteFault } : {}),
    });

    // Runtime: hooks, secrets, pipeline; the HTTP ingest and the admission of every other entry.
    const { hooks, secrets, pipeline } = await createRuntime({
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
    shutdown.add(ShutdownStep.GUARDRAILS, () => guardrails.shutdown());
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
    const admit = createAdmission({
      route: configRoute(config),
      queue: store,
      hooks,
      clock,
      logger: logger.child({ component: "intake" }),
      ...guardrails.admission,
    });

    const worker = createWorker({ store, config, pipeline, hooks, clock, logger, guardrails: guardrails.run });
    // The dashboard's: webhook acknowledgement times, and the sources paused from it.
    const ackLatency = new AckLatencyRecorder();
    const pauses = new SourcePauses(join(stateDir, "paused-sources.json"));
    await recoveryStage({ worker, store, stopTimeoutMs: opts.stopTimeoutMs ?? 30_000, shutdown, logger });

    // Sources.
    const registry = createSourceRegistry({ sources: loaded.config.sources, selected, hooks, logger });
    shutdown.add(ShutdownStep.SOURCES_STOPPED, () => registry.markAllStopped());
    const webhook = opts.oneShot
      ? undefined
      : await startWebhookSources({
          config,
          registry,
          ingest: timedIngest(ingest, ackLatency),
          health: () => storeHealthReport(store),
          env: opts.env,
          shutdown,
          logger,
        });
    const scheduler = await startSchedules({
      config,
      registry,
      admit,
      oneShot: opts.oneShot === true,
      lastRun: store.lastRun,
      time: schedulerTime,
      isPaused: (name) => pauses.isPaused(name),
      shutdown,
      logger,
    });
    if (!opts.oneShot)
      await startWatchers({
        config,
        configDir,
        stateDir,
        registry,
        admit,
        ownChanges: { match: guardrails.ownWrites.match, ignore: config.guardrails.ignore_own_writes },
        isPaused: (name) => pauses.isPaused(name),
        clock,
        shutdown,
        logger,
      });

    let stopping: Promise<void> | undefined;
    let resolveStopped!: () => void;
    const stopped = new Promise<void>((r) => (resolveStopped = r));
    const startedAt = new Date(clock.now()).toISOString();
    const stop = (reason = "stop requested"): Promise<void> => {
      stopping ??= (async () => {
        logger.log("info", "daemon stopping", { reason });
        await shutdown.run();
        logger.log("info", "daemon stopped");
        resolveStopped();
      })();
      return stopping;
    };

    // Admin API: what the CLI verbs talk to, and the dashboard.
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
          registry.entries.map((e) => ({
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
    const admin = await startAdminApi({ stateDir, control, dashboard, logger: logger.child({ component: "admin" }) });
    listening.origins = admin.origins;
    shutdown.add(ShutdownStep.ADMIN, () => admin.close());
    lock.describe({
      pid: process.pid,
      started_at: startedAt,
      config: loaded.configPath,
      ...(webhook ? { webhook_url: webhook.url } : {}),
      admin: `${admin.info.host}:${admin.info.port}`,
    });

    print(
      banner({
        config: loaded.config,
        configPath: loaded.configPath,
        stateDir,
        webhookUrl: webhook?.url,
        localWebhookUrl: webhook?.localUrl,
        sources: registry.entries.map((e) => ({
          name: e.name,
          type: e.source.type,
          handler: e.source.handler,
          state: e.state,
          detail: e.error ?? e.detail,
        })),
        env: opts.env,
        nowSeconds: Math.floor(clock.now() / 1000),
        dashboardUrl: admin.dashboardLoginUrl(),
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
      ...(webhook ? { webhook } : {}),
      admin: admin.info,
      stop,
      stopped,
      idle,
      counts: () => store.counts(),
      history: (query) => store.history.list(query),
    };
  } catch (err) {
    await shutdown.run();
    throw err;
  }
}
