/**
 * What a model's tokens cost, for `usd_per_day` budgets and the cost shown on traces. Prices are
 * USD per million tokens. The config's `prices` are merged over the built-in table below; a key
 * may hold `*` (any text), the longest matching key wins (by its literal characters), and `"*"`
 * prices every model no other key matches. The built-in `"*"` is the most expensive model listed,
 * so an unknown model is never counted cheaper than it may be: add its price to pay less.
 */
import type { ModelPriceConfig } from "../config/guardrails-schema.ts";

/**
 * Published list prices (USD per million tokens, standard tier, no caching or batch discount) as
 * of 2025. Bedrock and inference-profile ids (`us.anthropic.claude-sonnet-4-…`) match through the
 * leading `*`. Override or extend with the config's `prices`.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPriceConfig>> = {
  echo: { input: 0, output: 0 },
  "*claude-opus-4-5*": { input: 5, output: 25 },
  "*claude-opus-4*": { input: 15, output: 75 },
  "*claude-3-opus*": { input: 15, output: 75 },
  "*claude-sonnet-4*": { input: 3, output: 15 },
  "*claude-3-7-sonnet*": { input: 3, output: 15 },
  "*claude-3-5-sonnet*": { input: 3, output: 15 },
  "*claude-haiku-4-5*": { input: 1, output: 5 },
  "*claude-3-5-haiku*": { input: 0.8, output: 4 },
  "*claude-3-haiku*": { input: 0.25, output: 1.25 },
  "gpt-4o-mini*": { input: 0.15, output: 0.6 },
  "gpt-4o*": { input: 2.5, output: 10 },
  "gpt-4.1-nano*": { input: 0.1, output: 0.4 },
  "gpt-4.1-mini*": { input: 0.4, output: 1.6 },
  "gpt-4.1*": { input: 2, output: 8 },
  "gpt-5-nano*": { input: 0.05, output: 0.4 },
  "gpt-5-mini*": { input: 0.25, output: 2 },
  "gpt-5*": { input: 1.25, output: 10 },
  "o4-mini*": { input: 1.1, output: 4.4 },
  "o3-mini*": { input: 1.1, output: 4.4 },
  "*amazon.nova-micro*": { input: 0.035, output: 0.14 },
  "*amazon.nova-lite*": { input: 0.06, output: 0.24 },
  "*amazon.nova-pro*": { input: 0.8, output: 3.2 },
  "*": { input: 15, output: 75 },
};

export interface PriceTable {
  /** The price of a model (the `"*"` entry when no key matches; undefined only if there is none). */
  priceOf(model: string | undefined): ModelPriceConfig | undefined;
  /** Millionths of a US dollar for this usage, rounded up. */
  microUsd(model: string | undefined, inputTokens: number, outputTokens: number): number;
}

function matcher(key: string): RegExp {
  const literal = key
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${literal}$`);
}

export function priceTable(overrides: Readonly<Record<string, ModelPriceConfig>> = {}): PriceTable {
  const merged = { ...DEFAULT_PRICES, ...overrides };
  const entries = Object.entries(merged)
    .map(([key, price]) => ({ key, price, re: matcher(key), weight: key.replaceAll("*", "").length }))
    .sort((a, b) => b.weight - a.weight);
  function priceOf(model: string | undefined): ModelPriceConfig | undefined {
    const name = model ?? "";
    return entries.find((e) => e.re.test(name))?.price;
  }
  return {
    priceOf,
    microUsd(model, inputTokens, outputTokens) {
      const price = priceOf(model);
      if (!price) return 0;
      // Price per million tokens times tokens is exactly millionths of a dollar.
      return Math.ceil(inputTokens * price.input + outputTokens * price.output);
    },
  };
}
