/** `--sources`: which source types a daemon starts (the others stay configured, disabled). */
import type { OrchestratorConfig, SourceType } from "../../shared/config/schema.ts";
import { SOURCE_TYPES } from "../../shared/config/schema.ts";

export class DaemonError extends Error {
  override readonly name = "DaemonError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
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
export function selectedConfig(
  config: OrchestratorConfig,
  selected: ReadonlySet<SourceType> | undefined,
): OrchestratorConfig {
  if (!selected) return config;
  return { ...config, sources: config.sources.map((s) => (selected.has(s.type) ? s : { ...s, enabled: false })) };
}
