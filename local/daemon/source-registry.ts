/**
 * The daemon's configured sources and their state (started, stopped, error, ...), as the status
 * verb and the banner show them, and the `source:*` lifecycle hooks emitted when a state changes.
 */
import type { SourceConfig, SourceType } from "../../shared/config/schema.ts";
import { sourceName } from "../../shared/config/source-name.ts";
import { LifecycleEvent, type HookBus } from "../../shared/hooks/lifecycle.ts";
import type { Logger } from "../../shared/logging/logger.ts";

export type SourceState = "started" | "stopped" | "error" | "ready" | "not selected" | "disabled";

export interface SourceEntry {
  readonly name: string;
  readonly index: number;
  readonly source: SourceConfig;
  state: SourceState;
  error?: string;
  detail?: string;
}

export interface SourceRegistry {
  readonly entries: readonly SourceEntry[];
  /** Entries of `type` waiting to be started (selected, enabled, not started yet). */
  waiting(type: SourceType): SourceEntry[];
  markStarted(e: SourceEntry, detail?: string): Promise<void>;
  /** Records an error; a started source stays started (it still serves), with the error shown. */
  markError(e: SourceEntry, err: unknown): Promise<void>;
  /** Every started source is now stopped: emits `source:stopped` for each. */
  markAllStopped(): Promise<void>;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createSourceRegistry(opts: {
  sources: readonly SourceConfig[];
  selected: ReadonlySet<SourceType> | undefined;
  hooks: HookBus;
  logger: Logger;
}): SourceRegistry {
  const entries: SourceEntry[] = opts.sources.map((source, index) => ({
    name: sourceName(source, index),
    index,
    source,
    state: !source.enabled
      ? "disabled"
      : opts.selected && !opts.selected.has(source.type)
        ? "not selected"
        : source.type === "manual"
          ? "ready"
          : "stopped",
  }));

  async function emit(e: SourceEntry, lifecycle: LifecycleEvent, error?: string): Promise<void> {
    try {
      await opts.hooks.emit(lifecycle, { source: e.name, source_type: e.source.type, ...(error ? { error } : {}) });
    } catch (err) {
      opts.logger.log("warn", `${lifecycle} hook failed`, { source: e.name, error: message(err) });
    }
  }

  return {
    entries,
    waiting: (type) => entries.filter((e) => e.source.type === type && e.state === "stopped"),
    async markStarted(e, detail) {
      e.state = "started";
      e.detail = detail;
      await emit(e, LifecycleEvent.SOURCE_STARTED);
    },
    async markError(e, err) {
      e.error = message(err);
      if (e.state !== "started") e.state = "error";
      await emit(e, LifecycleEvent.SOURCE_ERROR, e.error);
    },
    async markAllStopped() {
      for (const e of entries) {
        if (e.state === "started") {
          e.state = "stopped";
          await emit(e, LifecycleEvent.SOURCE_STOPPED);
        }
      }
    },
  };
}
