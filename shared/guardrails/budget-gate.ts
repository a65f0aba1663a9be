/**
 * Budgets: `budget: {tokens_per_day, usd_per_day, runs_per_hour}` at the top level (all handlers
 * together) and per handler. Both runners ask the gate through the shared `runJob`, over the
 * CounterStore port (SQLite locally, DynamoDB in the cloud):
 *
 *   admit(handler)   before a job runs: one run is taken from the hour's count of every budget
 *                    that applies, and every daily count is checked below its limit, all or
 *                    nothing. Refused -> the job is not run (runJob records it `budget_exceeded`).
 *   meter(handler)   while it runs: each prompt's tokens and price are added to the day's counts
 *                    as the answer arrives.
 *
 * `runs_per_hour` is exact under any number of concurrent runners (the run is counted by the same
 * atomic write that checks the limit). Tokens and dollars are known only after a prompt answers,
 * so a job starts while the day's count is below the limit: runs already going when it is reached
 * finish, and the count may end above the limit by what they spend.
 */
import type { BudgetConfig } from "../config/guardrails-schema.ts";
import type { OrchestratorConfig } from "../config/schema.ts";
import type { Logger } from "../logging/logger.ts";
import type { PromptUsage, StepObservation, StepObserver } from "../pipeline/step-observer.ts";
import type { Clock } from "../ports/clock.ts";
import { BudgetPeriod, expiryOf, windowOf, type BudgetWindow } from "./budget-window.ts";
import type { CounterChange, CounterStore } from "./counter-store.ts";
import type { PriceTable } from "./price-table.ts";

/** The counted fields: runs per hour, tokens and millionths of a dollar per day. */
export const BudgetField = { RUNS: "runs", TOKENS: "tokens", USD_MICROS: "usd_micros" } as const;
export type BudgetField = (typeof BudgetField)[keyof typeof BudgetField];

const LIMIT_KEY: Record<BudgetField, keyof BudgetConfig> = {
  runs: "runs_per_hour",
  tokens: "tokens_per_day",
  usd_micros: "usd_per_day",
};

/** Which budget a count belongs to: all handlers together, or one handler. */
export interface BudgetScope {
  /** `all` or `handler:<name>`: part of the counter keys. */
  readonly id: string;
  /** `all handlers` or `handler "review"`: for messages. */
  readonly label: string;
  readonly budget: BudgetConfig;
}

export type BudgetVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface UsageTotals {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly microUsd: number;
}

/** Charges one job's prompts as they are answered. */
export interface UsageMeter {
  readonly observer: StepObserver;
  /** Resolves once every charge was written (a failed write is logged, never thrown). */
  settled(): Promise<void>;
  totals(): UsageTotals;
}

/** One count of the current windows, for `evd daemon status`. */
export interface BudgetUsage {
  readonly scope: string;
  readonly limit: keyof BudgetConfig;
  /** Used in the current window (dollars for `usd_per_day`). */
  readonly used: number;
  /** Undefined: counted, not limited. */
  readonly max?: number;
  /** ISO time the window resets. */
  readonly resets_at: string;
}

export interface BudgetGate {
  admit(handler: string): Promise<BudgetVerdict>;
  meter(handler: string): UsageMeter;
  usage(): Promise<BudgetUsage[]>;
}

export interface BudgetGateDeps {
  readonly counters: CounterStore;
  readonly prices: PriceTable;
  readonly clock: Clock;
  readonly logger: Logger;
}

const ALL: Omit<BudgetScope, "budget"> = { id: "all", label: "all handlers" };

function hasLimit(budget: BudgetConfig | undefined): budget is BudgetConfig {
  return (
    budget !== undefined &&
    (budget.runs_per_hour !== undefined || budget.tokens_per_day !== undefined || budget.usd_per_day !== undefined)
  );
}

/** The budgets of a config, or undefined when it sets none (then nothing is counted). */
export function budgetScopes(config: Pick<OrchestratorConfig, "budget" | "handlers">): {
  readonly all?: BudgetScope;
  readonly handlers: ReadonlyMap<string, BudgetScope>;
} {
  const handlers = new Map<string, BudgetScope>();
  for (const [name, h] of Object.entries(config.handlers))
    if (hasLimit(h.budget)) handlers.set(name, { id: `handler:${name}`, label: `handler "${name}"`, budget: h.budget });
  return { ...(hasLimit(config.budget) ? { all: { ...ALL, budget: config.budget } } : {}), handlers };
}

function counterKey(scope: BudgetScope, window: BudgetWindow): string {
  return `budget/${scope.id}/${window.period}/${window.label}`;
}

function limitOf(scope: BudgetScope, field: BudgetField): number | undefined {
  const limit = scope.budget[LIMIT_KEY[field]];
  return limit === undefined ? undefined : field === BudgetField.USD_MICROS ? Math.round(limit * 1e6) : limit;
}

function shown(field: BudgetField, value: number): string {
  return field === BudgetField.USD_MICROS ? `$${(value / 1e6).toFixed(2)}` : String(value);
}

/** The gate over a config's budgets; undefined when the config sets no budget. */
export function createBudgetGate(
  config: Pick<OrchestratorConfig, "budget" | "handlers">,
  deps: BudgetGateDeps,
): BudgetGate | undefined {
  const scopes = budgetScopes(config);
  if (!scopes.all && scopes.handlers.size === 0) return undefined;
  const scopesOf = (handler: string): BudgetScope[] =>
    [scopes.handlers.get(handler), scopes.all].filter((s): s is BudgetScope => s !== undefined);

  async function refusal(change: CounterChange, scope: BudgetScope, window: BudgetWindow): Promise<string> {
    const field = change.field as BudgetField;
    const used = (await deps.counters.read(change.key).catch(() => ({}) as Record<string, number>))[field];
    const limit = LIMIT_KEY[field];
    return (
      `budget exceeded: ${scope.label} reached ${limit} ${scope.budget[limit]}` +
      `${used !== undefined ? ` (used ${shown(field, used)})` : ""}; the ${window.period}'s count resets at ${new Date(window.end).toISOString()}`
    );
  }

  return {
    async admit(handler) {
      const now = deps.clock.now();
      const hour = windowOf(BudgetPeriod.HOUR, now);
      const day = windowOf(BudgetPeriod.DAY, now);
      const changes: { change: CounterChange; scope: BudgetScope; window: BudgetWindow }[] = [];
      for (const scope of scopesOf(handler)) {
        const runs = limitOf(scope, BudgetField.RUNS);
        changes.push({
          scope,
          window: hour,
          change: {
            key: counterKey(scope, hour),
            field: BudgetField.RUNS,
            add: 1,
            ...(runs !== undefined ? { below: runs } : {}),
            expiresAt: expiryOf(hour),
          },
        });
        for (const field of [BudgetField.TOKENS, BudgetField.USD_MICROS]) {
          const below = limitOf(scope, field);
          if (below === undefined) continue;
          changes.push({
            scope,
            window: day,
            change: { key: counterKey(scope, day), field, add: 0, below, expiresAt: expiryOf(day) },
          });
        }
      }
      if (changes.length === 0) return { ok: true };
      const outcome = await deps.counters.apply(changes.map((c) => c.change));
      if (outcome.ok) return { ok: true };
      const refused = changes.find((c) => c.change === outcome.refused) ?? changes[0]!;
      return { ok: false, reason: await refusal(outcome.refused, refused.scope, refused.window) };
    },

    meter(handler) {
      const charged = scopesOf(handler);
      const writes: Promise<void>[] = [];
      let inputTokens = 0;
      let outputTokens = 0;
      let microUsd = 0;
      const charge = (usage: PromptUsage): void => {
        const input = usage.inputTokens ?? 0;
        const output = usage.outputTokens ?? 0;
        const cost = deps.prices.microUsd(usage.model, input, output);
        inputTokens += input;
        outputTokens += output;
        microUsd += cost;
        if (charged.length === 0 || input + output + cost === 0) return;
        const day = windowOf(BudgetPeriod.DAY, deps.clock.now());
        const changes = charged.flatMap((scope): CounterChange[] => [
          { key: counterKey(scope, day), field: BudgetField.TOKENS, add: input + output, expiresAt: expiryOf(day) },
          { key: counterKey(scope, day), field: BudgetField.USD_MICROS, add: cost, expiresAt: expiryOf(day) },
        ]);
        writes.push(
          deps.counters.apply(changes).then(
            () => undefined,
            (err: unknown) =>
              deps.logger.log("warn", "could not count a prompt's usage against the budget", {
                handler,
                error: err instanceof Error ? err.message : String(err),
              }),
          ),
        );
      };
      const observation: StepObservation = {
        prompt: charge,
        get nested() {
          return observer;
        },
        end() {},
      };
      const observer: StepObserver = { step: () => observation };
      return {
        observer,
        async settled() {
          await Promise.all(writes);
        },
        totals: () => ({ inputTokens, outputTokens, microUsd }),
      };
    },

    async usage() {
      const now = deps.clock.now();
      const hour = windowOf(BudgetPeriod.HOUR, now);
      const day = windowOf(BudgetPeriod.DAY, now);
      const out: BudgetUsage[] = [];
      for (const scope of [...(scopes.all ? [scopes.all] : []), ...scopes.handlers.values()]) {
        const hourly = await deps.counters.read(counterKey(scope, hour));
        const daily = await deps.counters.read(counterKey(scope, day));
        const row = (field: BudgetField, values: Readonly<Record<string, number>>, window: BudgetWindow) => {
          const max = scope.budget[LIMIT_KEY[field]];
          const raw = values[field] ?? 0;
          return {
            scope: scope.label,
            limit: LIMIT_KEY[field],
            used: field === BudgetField.USD_MICROS ? raw / 1e6 : raw,
            ...(max !== undefined ? { max } : {}),
            resets_at: new Date(window.end).toISOString(),
          };
        };
        out.push(
          row(BudgetField.RUNS, hourly, hour),
          row(BudgetField.TOKENS, daily, day),
          row(BudgetField.USD_MICROS, daily, day),
        );
      }
      return out;
    },
  };
}
