/**
 * The watcher bridge, composed: the daemon's file watcher on each enabled `file_change` source ->
 * change set -> event(s) -> the shared admission (hooks, router) into the durable spool -> sender
 * -> the queue.
 * Every change set is on disk before it is sent; the sender resends what a previous run left, and
 * a scan against each source's manifest reports what changed while no bridge was watching.
 * Stop: flush the watchers' pending debounced changes into the spool, try one send, close.
 */
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import { sourceName } from "../../shared/config/source-name.ts";
import { createHookBus } from "../../shared/hooks/hook-bus.ts";
import { AdmissionKind, configRoute, createAdmission } from "../../shared/ingest/admit.ts";
import type { Logger } from "../../shared/logging/logger.ts";
import { createFileWatcher, type ChangeSet, type FileWatcher } from "../watcher/file-watcher.ts";
import { applyChanges, diffManifest, manifestFile, manifestFromScan, scanTree, type Manifest } from "./catch-up.ts";
import { buildChangeSet } from "./change-set.ts";
import { spoolQueue } from "./spool-queue.ts";
import { BridgeError } from "./errors.ts";
import {
  createSender,
  type BackoffOptions,
  type SendFailure,
  type SendJob,
  type Sender,
  type SentReport,
  type SpoolingStatus,
} from "./sender.ts";
import { openSpool, type Spool, type SpoolRecord } from "./spool.ts";

export interface BridgeOptions {
  readonly config: OrchestratorConfig;
  /** Watched paths are relative to it. */
  readonly configDir: string;
  /** Never watched (the daemon's state lives there). */
  readonly stateDir?: string;
  readonly spoolDir: string;
  readonly send: SendJob;
  readonly classify: (err: unknown) => SendFailure;
  /** Human-readable progress lines (stdout). */
  readonly out: (line: string) => void;
  readonly logger: Logger;
  readonly backoff?: BackoffOptions;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default SQS's 256 KiB */
  readonly maxMessageBytes?: number;
  /** Test seam for chokidar's polling mode. */
  readonly usePolling?: boolean;
}

export interface WatchedSource {
  readonly source: string;
  readonly root: string;
}

export interface Bridge {
  readonly spool: Spool;
  readonly watched: readonly WatchedSource[];
  /** Stops watching, spools pending changes, tries one send; resolves to the change sets left spooled. */
  stop(): Promise<number>;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

export function sentLine(r: SentReport): string {
  const jobs =
    r.jobIds.length === 0
      ? "jobs already sent before a restart"
      : `${r.jobIds.length === 1 ? "job" : "jobs"} ${r.jobIds.join(", ")}`;
  return `sent: ${plural(r.record.files, "file")} (${r.record.source}) -> ${jobs}; latency ${r.latencyMs} ms`;
}

export function spoolingLine(s: SpoolingStatus): string {
  const next = s.retryInMs > 0 ? `, next try in ${seconds(s.retryInMs)}` : "";
  return `spooling: ${plural(s.pending, "change set")} pending, ${s.reason}${next}`;
}

/**
 * When the files of a set changed: their newest modification time, if it is recent (a copied file
 * can keep an old mtime); else the time the watcher reported the set.
 */
async function changeTime(set: ChangeSet, reportedAt: number, windowMs: number): Promise<number> {
  let newest = 0;
  await Promise.all(
    set.changes
      .filter((c) => c.kind !== "delete")
      .map(async (c) => {
        try {
          newest = Math.max(newest, (await stat(resolve(set.root, c.path))).mtimeMs);
        } catch {
          // deleted since: ignore
        }
      }),
  );
  return newest > reportedAt - windowMs && newest <= reportedAt ? Math.floor(newest) : reportedAt;
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const { config, out, logger } = options;
  const now = options.now ?? Date.now;
  const sources = config.sources
    .map((source, index) => ({ source, name: sourceName(source, index) }))
    .flatMap(({ source, name }) => (source.type === "file_change" && source.enabled ? [{ source, name }] : []));
  if (sources.length === 0) throw new BridgeError("the config has no enabled file_change source: nothing to watch");
  for (const { source, name } of sources) {
    const root = resolve(options.configDir, source.path);
    if (!existsSync(root)) throw new BridgeError(`source "${name}": watched path ${root} does not exist`);
  }

  const spool = openSpool({ dir: options.spoolDir, now: () => new Date(now()) });
  const sender: Sender = createSender({
    spool,
    send: options.send,
    classify: options.classify,
    now,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    onSent: (r) => out(sentLine(r)),
    onSpooling: (s) => out(spoolingLine(s)),
    onRejected: (rec: SpoolRecord, reason) =>
      out(
        `rejected: change set #${rec.seq} (${plural(rec.files, "file")}, ${rec.source}) moved to ${spool.dir}/rejected: ${reason}`,
      ),
  });
  const left = spool.count();
  if (left > 0) out(`resending: ${plural(left, "change set")} spooled by an earlier run`);
  sender.start();

  const admit = createAdmission({
    route: configRoute(config),
    queue: spoolQueue(spool),
    hooks: createHookBus([], logger),
    clock: { now },
    logger,
  });

  /** One change set -> its events admitted into the spool (or a note why not). "retry": the watcher keeps the changes. */
  async function handle(set: ChangeSet, windowMs: number): Promise<void | "retry"> {
    const name = set.source;
    const reportedAt = now();
    const changedAt = await changeTime(set, reportedAt, windowMs);
    const built = buildChangeSet(set, config, {
      changedAt: new Date(changedAt),
      now: new Date(reportedAt),
      ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
    });
    const outcomes = [];
    for (const event of built.events) outcomes.push(await admit(event));
    const failed = outcomes.find((o) => o.kind === AdmissionKind.UNAVAILABLE);
    if (failed) {
      logger.log("error", "spooling a change set failed", { source: name, error: failed.error });
      out(
        `error: cannot spool ${plural(built.files, "file")} (${name}): ${failed.error}; retrying with the next change`,
      );
      return "retry";
    }
    if (outcomes.every((o) => o.kind === AdmissionKind.IGNORED || o.kind === AdmissionKind.SKIPPED)) {
      out(`ignored: ${plural(built.files, "file")} (${name}) routes to no handler`);
      return;
    }
    const waiting = outcomes.flatMap((o) => (o.kind === AdmissionKind.DUPLICATE ? o.jobIds : []));
    if (!outcomes.some((o) => o.kind === AdmissionKind.ACCEPTED)) {
      out(`unchanged: ${plural(built.files, "file")} (${name}): already sent or waiting as ${waiting.join(", ")}`);
      return;
    }
    if (built.contentDropped > 0)
      out(
        `note: ${plural(built.contentDropped, "file")} (${name}) sent by hash only: the message would exceed the queue's size limit`,
      );
    sender.wake();
  }

  const watchers: FileWatcher[] = [];
  const watched: WatchedSource[] = [];
  try {
    for (const { source, name } of sources) {
      const root = resolve(options.configDir, source.path);
      const debounceMs = source.debounce_ms ?? config.debounce_ms;
      const windowMs = Math.max(1000, debounceMs * 10) + 5000;
      const ignorePaths = [options.spoolDir, ...(options.stateDir ? [options.stateDir] : [])];
      const manifest = manifestFile(options.spoolDir, name, root);
      let known = manifest.load();
      const remember = (next: Manifest) => {
        known = next;
        try {
          manifest.save(next);
        } catch (err) {
          logger.log("warn", "saving the source manifest failed (changes made while stopped may be reported again)", {
            source: name,
            error: (err as Error).message,
          });
        }
      };
      const watcher = createFileWatcher({
        source: name,
        root,
        pattern: source.pattern,
        ignore: source.ignore,
        events: source.events,
        debounceMs,
        maxContentBytes: source.max_content_bytes,
        ignorePaths,
        logger: logger.child({ component: "bridge-watcher", source: name }),
        ...(options.usePolling ? { usePolling: true } : {}),
        onChanges: async (set) => {
          const answer = await handle(set, windowMs);
          if (answer !== "retry") remember(applyChanges(known ?? {}, set.changes));
          return answer;
        },
      });
      await watcher.start();
      watchers.push(watcher);
      watched.push({ source: name, root });

      // Changes made while no bridge was watching (the first start only records the tree).
      const scan = await scanTree({
        root,
        pattern: source.pattern,
        ignore: source.ignore,
        ignorePaths,
        maxContentBytes: source.max_content_bytes,
      });
      const missed = known === undefined ? [] : diffManifest(known, scan, source.events);
      if (missed.length > 0)
        out(`catch-up: ${plural(missed.length, "file")} (${name}) changed while the bridge was not running`);
      if (missed.length === 0 || (await handle({ source: name, root, changes: missed }, windowMs)) !== "retry")
        remember(manifestFromScan(scan));
    }
  } catch (err) {
    await Promise.all(watchers.map((w) => w.stop()));
    await sender.stop();
    spool.close();
    throw err;
  }

  let stopping: Promise<number> | undefined;
  return {
    spool,
    watched,
    stop() {
      stopping ??= (async () => {
        await Promise.all(watchers.map((w) => w.stop()));
        await sender.stop();
        await sender.drainOnce();
        const pending = spool.count();
        spool.close();
        return pending;
      })();
      return stopping;
    },
  };
}
