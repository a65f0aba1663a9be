/**
 * The table's key schema, mirrored from the cloud runtime's layout (`shared/aws/table-layout.ts`)
 * so the table the stack creates is the table the adapters expect.
 */
export { LOG_PROJECTION, TABLE_KEYS } from "../shared/aws/table-layout.ts";

/**
 * Partition-key prefixes of the items ingest touches (see the layout's table): the event log
 * (`EVENT#<event id>`: dedupe put, duplicate get, delete when enqueueing fails) and the
 * concurrency keys (`CKEY#<handler>#<key>`: newest job per key, for `on_new: supersede`), and the
 * storm breaker's item per source (`BREAKER#<source>`: its window count and pause,
 * shared/aws/guardrail-items.ts). The ingest role may touch no other item.
 */
export const INGEST_KEY_PREFIXES = ["EVENT#", "CKEY#", "BREAKER#"] as const;

/**
 * Partition-key prefixes of the items `evd cloud` touches: the event log (trigger records an
 * event, replay reads it and counts its replays), concurrency keys (trigger notes the newest
 * job), job records (replay reads their state; a gate's decision resets or completes them),
 * history runs (history reads them; a denial writes one), the storm breaker's items
 * (`evd cloud breaker list | resume`) and approval gates (`approvals` lists them, `approve` /
 * `deny` decide them).
 */
export const OPERATOR_KEY_PREFIXES = ["EVENT#", "CKEY#", "JOB#", "RUN#", "BREAKER#", "GATE#"] as const;
