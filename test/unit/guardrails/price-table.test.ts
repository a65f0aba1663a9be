import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_PRICES, priceTable } from "../../../shared/guardrails/price-table.ts";

describe("priceTable", () => {
  const prices = priceTable();

  it("prices Anthropic, Bedrock and OpenAI model ids from the built-in table, the longest key winning", () => {
    assert.deepEqual(prices.priceOf("claude-sonnet-4-20250514"), { input: 3, output: 15 });
    assert.deepEqual(prices.priceOf("us.anthropic.claude-sonnet-4-20250514-v1:0"), { input: 3, output: 15 });
    assert.deepEqual(prices.priceOf("claude-opus-4-5-20251101"), { input: 5, output: 25 });
    assert.deepEqual(prices.priceOf("claude-opus-4-1-20250805"), { input: 15, output: 75 });
    assert.deepEqual(prices.priceOf("gpt-4o-mini-2024-07-18"), { input: 0.15, output: 0.6 });
    assert.deepEqual(prices.priceOf("gpt-4o"), { input: 2.5, output: 10 });
    assert.deepEqual(prices.priceOf("echo"), { input: 0, output: 0 });
  });

  it("prices an unknown model at the most expensive listed one, so a dollar budget never under-counts", () => {
    const most = Math.max(...Object.values(DEFAULT_PRICES).map((p) => p.output));
    assert.equal(prices.priceOf("some-new-model")!.output, most);
    assert.equal(prices.priceOf(undefined)!.output, most);
  });

  it("takes the config's prices over the built-in ones, including the fallback", () => {
    const custom = priceTable({ "my-model": { input: 1, output: 2 }, "*": { input: 0, output: 0 } });
    assert.deepEqual(custom.priceOf("my-model"), { input: 1, output: 2 });
    assert.deepEqual(custom.priceOf("some-new-model"), { input: 0, output: 0 });
    assert.deepEqual(custom.priceOf("gpt-4o"), { input: 2.5, output: 10 });
  });

  it("counts millionths of a dollar, rounded up: tokens times the price per million", () => {
    // 1000 input at $3/M + 500 output at $15/M = $0.003 + $0.0075 = 10500 µ$
    assert.equal(prices.microUsd("claude-sonnet-4-5", 1000, 500), 10_500);
    assert.equal(prices.microUsd("amazon.nova-micro-v1:0", 1, 0), 1); // 0.035 µ$, rounded up
    assert.equal(prices.microUsd("echo", 1e6, 1e6), 0);
  });
});
