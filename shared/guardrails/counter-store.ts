/**
 * The counter port budgets count through: named items holding numeric fields, changed all or
 * nothing. Adapters: the embedded store (local/store, one SQLite transaction), DynamoDB
 * (shared/aws/dynamo-counter-store.ts, one TransactWriteItems), memory (shared/memory).
 * `apply` must hold under concurrent callers: two runners racing for the last run of an hour
 * cannot both get it.
 */
export interface CounterChange {
  /** The counter item, e.g. `budget/handler:review/hour/2026-05-01T10`. */
  readonly key: string;
  /** The field of the item, e.g. `runs`, `tokens`, `usd_micros`. */
  readonly field: string;
  /** Added to the field (0: only test `below`). */
  readonly add: number;
  /** The change applies only while the field's current value is below this (a limit). */
  readonly below?: number;
  /** Epoch ms after which the item may be deleted. */
  readonly expiresAt: number;
}

export type CounterOutcome =
  | { readonly ok: true }
  /** A `below` did not hold: nothing was changed; `refused` is the first change that failed. */
  | { readonly ok: false; readonly refused: CounterChange };

export interface CounterStore {
  /** Atomically: when every `below` holds, applies every `add`; otherwise changes nothing. */
  apply(changes: readonly CounterChange[]): Promise<CounterOutcome>;
  /** The fields of an item (absent fields and items read as nothing). */
  read(key: string): Promise<Readonly<Record<string, number>>>;
}

export class CounterStoreError extends Error {
  override readonly name = "CounterStoreError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Groups changes by item, in first-seen order (adapters change one item once per transaction). */
export function changesByKey(changes: readonly CounterChange[]): Map<string, CounterChange[]> {
  const out = new Map<string, CounterChange[]>();
  for (const c of changes) {
    const list = out.get(c.key);
    if (list) list.push(c);
    else out.set(c.key, [c]);
  }
  return out;
}
