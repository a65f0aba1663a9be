/**
 * The daemon's last start-up stage: the sources. The webhook server (every GitHub and generic
 * webhook source on one listener), the schedules, the file watchers. Each registers its stop as a
 * shutdown step and reports its state in the source registry.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { OrchestratorConfig, SourceConfig, SourceType } from "../../shared/config/schema.ts";
import { nextFireTime } from "../../shared/cron/next-fire-time.ts";
import { fileChangeEvent } from "../../shared/events/file-change-event.ts";
import { scheduleEvent } from "../../shared/events/schedule-event.ts";
import { withCausation } from "../../shared/guardrails/causation.ts";
import { AdmissionKind, type Admit } from "../../shared/ingest/admit.ts";
import { configEndpoints } from "../../shared/ingest/endpoints.ts";
import type { Logger } from "../../shared/logging/logger.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { LastRunStore } from "../../shared/ports/last-run-store.ts";
import { createFileWatcher, type FileWatcher, type FileWatchOptions } from "../watcher/file-watcher.ts";
import { createWebhookServer, type HealthReport, type IngestRequest, type IngestResponse } from "./http-server.ts";
import { createScheduler, type Firing, type Scheduler } from "./scheduler.ts";
import { ShutdownStep, type ShutdownSteps } from "./shutdown-steps.ts";
import { sourceSecretProblems } from "./source-secrets.ts";
import type { SourceRegistry } from "./source-registry.ts";
import type { SchedulerTime } from "./test-clock.ts";

export const HTTP_SOURCE_TYPES: readonly SourceType[] = ["git_push", "git_pr", "webhook", "custom"];

export interface WebhookAddress {
  /** The address really bound (`0.0.0.0` when listening on every interface). */
  readonly host: string;
  readonly port: number;
  /** `http://<bound address>:<port>`. */
  readonly url: string;
  /** A URL that reaches the server from this machine (127.0.0.1 when bound to every interface). */
  readonly localUrl: string;
}

export class SourceStartError extends Error {
  override readonly name = "SourceStartError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** Every GitHub and generic webhook source on one HTTP listener; undefined when none is selected. */
export async function startWebhookSources(opts: {
  config: OrchestratorConfig;
  registry: SourceRegistry;
  ingest: (req: IngestRequest) => Promise<IngestResponse>;
  health: () => HealthReport;
  env: Readonly<Record<string, string | undefined>>;
  shutdown: ShutdownSteps;
  logger: Logger;
}): Promise<WebhookAddress | undefined> {
  const { config, registry } = opts;
  const entries = HTTP_SOURCE_TYPES.flatMap((t) => registry.waiting(t)).sort((a, b) => a.index - b.index);
  const endpoints = configEndpoints(config);
  if (entries.length === 0 || endpoints.size === 0) return undefined;
  const server = createWebhookServer({
    host: config.webhook_host,
    port: config.webhook_port,
    bodyLimit: (path) => endpoints.get(path)?.maxBodyBytes,
    ingest: opts.ingest,
    health: opts.health,
    logger: opts.logger.child({ component: "http" }),
  });
  const addr = await server.listen();
  opts.shutdown.add(ShutdownStep.WEBHOOKS, () => server.close());
  const anyInterface = addr.host === "0.0.0.0" || addr.host === "::";
  const address: WebhookAddress = {
    ...addr,
    url: `http://${urlHost(addr.host)}:${addr.port}`,
    localUrl: `http://${anyInterface ? "127.0.0.1" : urlHost(addr.host)}:${addr.port}`,
  };
  const secretProblems = sourceSecretProblems(config, opts.env);
  for (const e of entries) {
    const path =
      e.source.type === "webhook" ? e.source.path : "path" in e.source && e.source.path ? e.source.path : "/github";
    await registry.markStarted(e, `POST ${address.url}${path}`);
    const problem = secretProblems.get(e.index);
    if (problem !== undefined) {
      opts.logger.log("warn", "a signed source cannot verify deliveries", { source: e.name, problem });
      await registry.markError(e, problem);
    }
  }
  return address;
}

/**
 * One loop per selected schedule, with the catch-up of a slot missed while the daemon was down.
 * One-shot: only the missed runs are submitted, nothing fires later.
 */
export async function startSchedules(opts: {
  config: OrchestratorConfig;
  registry: SourceRegistry;
  admit: Admit;
  oneShot: boolean;
  lastRun: LastRunStore;
  time: SchedulerTime;
  /** Paused from the dashboard (source-pauses.ts): its firings are skipped. */
  isPaused: (source: string) => boolean;
  shutdown: ShutdownSteps;
  logger: Logger;
}): Promise<Scheduler | undefined> {
  const { registry } = opts;
  const entries = registry.waiting("schedule");
  if (entries.length === 0) return undefined;
  const byName = new Map(entries.map((e) => [e.name, e]));
  const scheduler = createScheduler({
    schedules: entries.map((e) => {
      const s = e.source as Extract<SourceConfig, { type: "schedule" }>;
      return { name: e.name, cron: s.cron, timezone: s.timezone, payload: s.payload };
    }),
    nextFireTime,
    clock: opts.time.clock,
    timers: opts.time.timers,
    lastRun: opts.config.persist_last_run ? opts.lastRun : undefined,
    logger: opts.logger.child({ component: "scheduler" }),
    fire: async (f: Firing) => {
      if (opts.isPaused(f.schedule.name)) {
        opts.logger.log("info", "schedule paused: this firing is skipped", {
          source: f.schedule.name,
          scheduled_time: f.scheduledTime.toISOString(),
        });
        return;
      }
      const payload = {
        ...(f.schedule.payload ?? {}),
        ...(f.catchUp ? { catch_up: true, last_run: f.lastRun?.toISOString() } : {}),
      };
      const outcome = await opts.admit(scheduleEvent(f.schedule.name, f.scheduledTime, payload));
      if (outcome.kind === AdmissionKind.REJECTED || outcome.kind === AdmissionKind.UNAVAILABLE)
        throw new SourceStartError(
          `schedule ${f.schedule.name} at ${f.scheduledTime.toISOString()} refused: ${"reason" in outcome ? outcome.reason : outcome.error}`,
        );
    },
    onError: (spec, err) => {
      const e = byName.get(spec.name);
      if (e) void registry.markError(e, err);
    },
  });
  await scheduler.start();
  opts.shutdown.add(ShutdownStep.SCHEDULER, () => scheduler.stop());
  if (opts.oneShot) scheduler.stop();
  const next = scheduler.nextFireTimes();
  for (const e of entries) await registry.markStarted(e, `next ${next[e.name] ?? "never"}`);
  return scheduler;
}

/** One watcher per selected file_change source; the state folder is never watched. */
export async function startWatchers(opts: {
  config: OrchestratorConfig;
  configDir: string;
  stateDir: string;
  registry: SourceRegistry;
  admit: Admit;
  /** The daemon's own writes (guardrails): recognized, and ignored when configured so. */
  ownChanges: FileWatchOptions["ownChanges"];
  /** Paused from the dashboard (source-pauses.ts): its change sets are dropped. */
  isPaused: (source: string) => boolean;
  clock: Clock;
  shutdown: ShutdownSteps;
  logger: Logger;
}): Promise<void> {
  const { config, registry } = opts;
  const watchers: FileWatcher[] = [];
  opts.shutdown.add(ShutdownStep.WATCHERS, async () => {
    await Promise.all(watchers.map((w) => w.stop()));
  });
  for (const e of registry.waiting("file_change")) {
    const s = e.source as Extract<SourceConfig, { type: "file_change" }>;
    const root = resolve(opts.configDir, s.path);
    if (!existsSync(root)) {
      await registry.markError(e, `watched path ${root} does not exist`);
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
      ignorePaths: [opts.stateDir],
      ownChanges: opts.ownChanges,
      logger: opts.logger.child({ component: "watcher", source: e.name }),
      onError: (err) => void registry.markError(e, err),
      onChanges: async (set) => {
        if (opts.isPaused(e.name)) {
          opts.logger.log("info", "file watcher paused: change set dropped", {
            source: e.name,
            files: set.changes.length,
          });
          return undefined;
        }
        const event = fileChangeEvent({
          source: set.source,
          root: set.root,
          changes: set.changes,
          now: new Date(opts.clock.now()),
        });
        const outcome = await opts.admit(withCausation(event, set.causation));
        // Back-pressure (queue full) or a store failure: coalesce into the next change set.
        return outcome.kind === AdmissionKind.REJECTED || outcome.kind === AdmissionKind.UNAVAILABLE
          ? "retry"
          : undefined;
      },
    });
    try {
      await watcher.start();
      watchers.push(watcher);
      await registry.markStarted(e, `watching ${root}`);
    } catch (err) {
      await registry.markError(e, err);
    }
  }
}
