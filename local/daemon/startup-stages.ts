/**
 * The daemon's start-up stages that touch the state folder, in the order they must run:
 *   1. lock      the state folder's OS lock, before anything in the folder changes;
 *   2. pid file  `--pid-file`, refused when it names a live process;
 *   3. store     open it and check its integrity (a damaged store is refused, nothing changed);
 *   4. recovery  runs a crash interrupted go back to the queue, then the worker starts taking jobs.
 * The sources (start-sources.ts) and the admin API come after. Each stage registers its undoing
 * as a shutdown step, so a later stage that fails (a port in use) stops exactly what started.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import type { Logger } from "../../shared/logging/logger.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import { openLocalStore, type LocalStore, type LocalStoreOptions } from "../store/local-store.ts";
import { securePrivateFolder, STATE_DIR_MODE } from "../store/store-files.ts";
import type { Worker } from "../worker/worker.ts";
import type { HealthReport } from "./http-server.ts";
import { writePidFile } from "./pid-file.ts";
import { ShutdownStep, type ShutdownSteps } from "./shutdown-steps.ts";
import { lockStateFolder, type StateFolderLock } from "./state-folder-lock.ts";

/** Stage 1: the state folder's lock. Only the folder itself may be created before it. */
export function lockStage(opts: {
  stateDir: string;
  configPath: string;
  shutdown: ShutdownSteps;
  now: () => number;
}): StateFolderLock {
  mkdirSync(opts.stateDir, { recursive: true, mode: STATE_DIR_MODE });
  const lock = lockStateFolder(opts.stateDir);
  opts.shutdown.add(ShutdownStep.LOCK, () => lock.release());
  lock.describe({ pid: process.pid, started_at: new Date(opts.now()).toISOString(), config: opts.configPath });
  securePrivateFolder(opts.stateDir);
  return lock;
}

/** Stage 2: `--pid-file`, written by the daemon itself. */
export function pidFileStage(opts: { pidFile?: string; cwd?: string; shutdown: ShutdownSteps }): void {
  if (!opts.pidFile) return;
  const remove = writePidFile(resolve(opts.cwd ?? process.cwd(), opts.pidFile));
  opts.shutdown.add(ShutdownStep.PID_FILE, remove);
}

/** Stage 3: the store, integrity-checked before anything writes to it. */
export function storeStage(opts: {
  stateDir: string;
  config: OrchestratorConfig;
  clock: Clock;
  shutdown: ShutdownSteps;
  logger: Logger;
  /** Secret scrubbing of every stored result and error. */
  scrub: (text: string) => string;
  testWriteFault?: LocalStoreOptions["testWriteFault"];
}): LocalStore {
  const store = openLocalStore({
    dir: opts.stateDir,
    config: opts.config,
    clock: opts.clock,
    checkIntegrity: true,
    scrub: opts.scrub,
    ...(opts.testWriteFault ? { testWriteFault: opts.testWriteFault } : {}),
  });
  opts.shutdown.add(ShutdownStep.STORE, () => store.close());
  opts.logger.log("info", "store integrity checked", {
    file: store.file,
    duration_ms: store.integrity?.durationMs,
  });
  return store;
}

/** Stage 4: recovery of interrupted runs, then the worker loop. */
export async function recoveryStage(opts: {
  worker: Worker;
  store: LocalStore;
  stopTimeoutMs: number;
  shutdown: ShutdownSteps;
  logger: Logger;
}): Promise<void> {
  const recovered = await opts.worker.start();
  opts.logger.log("info", "store opened", { file: opts.store.file, recovered, pending: opts.store.depth() });
  opts.shutdown.add(ShutdownStep.WORKER, async () => {
    const report = await opts.worker.stop({ timeoutMs: opts.stopTimeoutMs });
    opts.logger.log("info", "worker stopped", { finished: report.finished, released: report.released });
  });
}

/** `/healthz`: the store's health; 503 while it cannot take writes or is damaged. */
export function storeHealthReport(store: LocalStore): HealthReport {
  const health = store.health();
  return health.state === "ok"
    ? { ok: true, body: { status: "ok", store: { state: health.state } } }
    : { ok: false, body: { status: "unhealthy", store: health } };
}
