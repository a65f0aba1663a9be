/**
 * The name of a source: its `name` when given, else `<handler>-<type>-<index>` (index = position in
 * `sources`, from 0). Names appear in event ids (`schedule:<name>:<time>`), EventBridge schedule
 * names and logs, and stay stable as long as the source list keeps its order; give `name:` to a
 * source whose identity must survive reordering.
 */
import type { SourceConfig } from "./schema.ts";

export function sourceName(source: Pick<SourceConfig, "name" | "handler" | "type">, index: number): string {
  return source.name ?? `${source.handler}-${source.type}-${index}`;
}
