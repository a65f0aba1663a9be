/**
 * The fixed windows budgets count in: clock hours and days, in UTC. A window's counters start at
 * zero when it starts ("windows reset on time") and expire a window after it ends.
 */
export const BudgetPeriod = { HOUR: "hour", DAY: "day" } as const;
export type BudgetPeriod = (typeof BudgetPeriod)[keyof typeof BudgetPeriod];

const LENGTH_MS: Record<BudgetPeriod, number> = { hour: 3_600_000, day: 86_400_000 };

export interface BudgetWindow {
  readonly period: BudgetPeriod;
  /** Epoch ms the window started. */
  readonly start: number;
  /** Epoch ms the window ends (its counters reset). */
  readonly end: number;
  /** `2026-05-01T10` (hour) or `2026-05-01` (day): part of the counter's key. */
  readonly label: string;
}

export function windowOf(period: BudgetPeriod, now: number): BudgetWindow {
  const length = LENGTH_MS[period];
  const start = Math.floor(now / length) * length;
  const iso = new Date(start).toISOString();
  return {
    period,
    start,
    end: start + length,
    label: period === BudgetPeriod.HOUR ? iso.slice(0, 13) : iso.slice(0, 10),
  };
}

/** When a window's counters may be deleted: one more window after it ended. */
export function expiryOf(window: BudgetWindow): number {
  return window.end + (window.end - window.start);
}
