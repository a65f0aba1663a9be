/**
 * The guardrails' items in the state table (table-layout.ts lists every item kind):
 *
 * | item           | pk                       | sk        | gsi1pk     | gsi1sk     |
 * |----------------|--------------------------|-----------|------------|------------|
 * | budget counter | `COUNTER#<counter key>`  | `COUNTER` |            |            |
 * | storm breaker  | `BREAKER#<source>`       | `BREAKER` | `BREAKERS` | `<source>` |
 *
 * Counter keys are `budget/<scope>/<hour|day>/<window>` (shared/guardrails/budget-gate.ts).
 */
import type { ItemKey } from "./table-layout.ts";

export const COUNTER_PREFIX = "COUNTER#";
export const BREAKER_PREFIX = "BREAKER#";
export const BREAKERS_PARTITION = "BREAKERS";

export const GuardrailItemKind = { COUNTER: "counter", BREAKER: "breaker" } as const;

export const counterItemKey = (key: string): ItemKey => ({ pk: `${COUNTER_PREFIX}${key}`, sk: "COUNTER" });
export const breakerItemKey = (source: string): ItemKey => ({ pk: `${BREAKER_PREFIX}${source}`, sk: "BREAKER" });
