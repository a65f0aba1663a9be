/**
 * The guardrails' items in the state table (table-layout.ts lists every item kind):
 *
 * | item           | pk                         | sk        |
 * |----------------|----------------------------|-----------|
 * | budget counter | `COUNTER#<counter key>`    | `COUNTER` |
 * | storm breaker  | `BREAKER#<source>`         | `BREAKER` |
 * | paused sources | `BREAKER#!paused`          | `PAUSED`  |
 *
 * Counter keys are `budget/<scope>/<hour|day>/<window>` (shared/guardrails/budget-gate.ts). The
 * breaker item of a source takes one write per event; the paused-sources item (a map, for
 * `evd cloud breaker list`) is written only when a source is paused or resumed, so no write path
 * touches a shared partition. No source is called `!paused`: names start with a letter or digit,
 * paths with `/`.
 */
import type { ItemKey } from "./table-layout.ts";

export const COUNTER_PREFIX = "COUNTER#";
export const BREAKER_PREFIX = "BREAKER#";

export const GuardrailItemKind = { COUNTER: "counter", BREAKER: "breaker", PAUSED_SOURCES: "paused_sources" } as const;

export const counterItemKey = (key: string): ItemKey => ({ pk: `${COUNTER_PREFIX}${key}`, sk: "COUNTER" });
export const breakerItemKey = (source: string): ItemKey => ({ pk: `${BREAKER_PREFIX}${source}`, sk: "BREAKER" });
export const pausedSourcesKey: ItemKey = { pk: `${BREAKER_PREFIX}!paused`, sk: "PAUSED" };
