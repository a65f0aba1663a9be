/**
 * The HTTP providers against local servers speaking their wire format, replaying recorded
 * responses (test/fixtures/providers/) and asserting the request each provider sent.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { anthropicProvider } from "../../../shared/providers/anthropic.ts";
import { echoProvider } from "../../../shared/providers/echo.ts";
import { ProviderError } from "../../../shared/providers/errors.ts";
import { openAiProvider } from "../../../shared/providers/openai.ts";
import { startServer, type RecordedRequest, type TestServer } from "../pipeline/support.ts";

interface Fixture {
  readonly request?: { method: string; path: string; headers: Record<string, string>; body: unknown };
  readonly response: { status: number; headers?: Record<string, string>; body: unknown };
}
function fixtures(name: string): Record<string, Fixture> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/providers/${name}.json`, import.meta.url), "utf8")) as Record<
    string,
    Fixture
  >;
}
const anthropic = fixtures("anthropic-messages");
const openai = fixtures("openai-chat-completions");

/** The server answers each request with the fixture named by the first path segment: /<fixture>/... */
let server: TestServer;
before(async () => {
  server = await startServer((req, res) => {
    const [, set, name] = req.url.split("/");
    const fixture = (set === "anthropic" ? anthropic : openai)[name!]!;
    res.writeHead(fixture.response.status, { "content-type": "application/json", ...fixture.response.headers });
    res.end(JSON.stringify(fixture.response.body));
  });
});
after(() => server.close());

function assertRequest(got: RecordedRequest, want: NonNullable<Fixture["request"]>, prefix: string): void {
  assert.equal(got.method, want.method);
  assert.equal(got.url, `${prefix}${want.path}`);
  for (const [k, v] of Object.entries(want.headers)) assert.equal(got.headers[k], v, `header ${k}`);
  assert.deepEqual(JSON.parse(got.body), want.body);
}

const last = (): RecordedRequest => server.requests.at(-1)!;

describe("echo provider", () => {
  it("returns the prompt under a header, deterministically", async () => {
    const echo = echoProvider();
    assert.deepEqual(await echo.complete({ prompt: "hi" }), {
      text: "[echo model=echo]\nhi",
      model: "echo",
      // About four characters a token, rounded up: "hi" is 1, the 20-character answer 5.
      usage: { inputTokens: 1, outputTokens: 5 },
    });
    assert.deepEqual((await echo.complete({ prompt: "x".repeat(40), system: "y".repeat(8) })).usage, {
      inputTokens: 12,
      outputTokens: 19,
    });
    assert.equal(
      (await echo.complete({ prompt: "hi", system: "be brief", model: "m1" })).text,
      "[echo model=m1]\n[system] be brief\nhi",
    );
  });
});

describe("anthropic provider (Messages API)", () => {
  const make = (name: string, key = "sk-ant-test-key") =>
    anthropicProvider({
      apiKey: async () => key,
      model: "claude-sonnet-4-5",
      maxTokens: 1024,
      baseUrl: `${server.url}/anthropic/${name}`,
      fetch,
    });

  it("sends the recorded request shape and reads text blocks and usage", async () => {
    const response = await make("ok").complete({
      prompt: "Review PR #7: Fix the parser",
      system: "You review pull requests.",
      maxTokens: 512,
    });
    assertRequest(last(), anthropic.ok!.request!, "/anthropic/ok");
    assert.deepEqual(response, {
      text: "The change looks correct. Verdict: approve",
      model: "claude-sonnet-4-5-20250929",
      usage: { inputTokens: 21, outputTokens: 9 },
    });
  });

  it("classifies 429 and 529 as retryable, 401 and 400 as permanent, and never shows the key", async () => {
    for (const [name, permanent, status, message] of [
      ["rate_limited", false, 429, "per-minute rate limit"],
      ["overloaded", false, 529, "Overloaded"],
      ["unauthorized", true, 401, "invalid x-api-key"],
      ["bad_request", true, 400, "max_tokens: Field required"],
    ] as const) {
      await assert.rejects(make(name, "sk-ant-SECRET").complete({ prompt: "x" }), (e: unknown) => {
        assert.ok(e instanceof ProviderError, name);
        assert.equal(e.permanent, permanent, name);
        assert.equal(e.status, status);
        assert.match(e.message, new RegExp(`^anthropic: HTTP ${status}: .*${message}`));
        assert.doesNotMatch(e.message, /SECRET/);
        return true;
      });
    }
  });

  it("needs a model, and reports connection failures as retryable", async () => {
    await assert.rejects(
      anthropicProvider({ apiKey: async () => "k", fetch }).complete({ prompt: "x" }),
      (e: unknown) => e instanceof ProviderError && e.permanent && /no model configured/.test(e.message),
    );
    await assert.rejects(
      anthropicProvider({ apiKey: async () => "k", model: "m", baseUrl: "http://127.0.0.1:1", fetch }).complete({
        prompt: "x",
      }),
      (e: unknown) => e instanceof ProviderError && !e.permanent,
    );
  });
});

describe("openai provider (Chat Completions)", () => {
  const make = (name: string, key = "sk-openai-test-key") =>
    openAiProvider({
      apiKey: async () => key,
      model: "gpt-4o-mini",
      baseUrl: `${server.url}/openai/${name}/v1`,
      fetch,
    });

  it("sends the recorded request shape and reads the first choice and usage", async () => {
    const response = await make("ok").complete({
      prompt: "Deployment completed: production 1.2.3",
      system: "You write release notes.",
      maxTokens: 256,
    });
    assertRequest(last(), openai.ok!.request!, "/openai/ok");
    assert.deepEqual(response, {
      text: "Release 1.2.3 is live in production.",
      model: "gpt-4o-mini-2024-07-18",
      usage: { inputTokens: 19, outputTokens: 10 },
    });
  });

  it("sends no Authorization header without a key (local OpenAI-compatible servers)", async () => {
    await make("ok", "").complete({ prompt: "x" });
    assert.equal(last().headers.authorization, undefined);
  });

  it("classifies 429 and 500 as retryable, 401 as permanent", async () => {
    for (const [name, permanent] of [
      ["rate_limited", false],
      ["server_error", false],
      ["unauthorized", true],
    ] as const) {
      await assert.rejects(
        make(name).complete({ prompt: "x" }),
        (e: unknown) =>
          e instanceof ProviderError && e.permanent === permanent && e.message.startsWith("openai: HTTP "),
        name,
      );
    }
  });

  it("aborts an in-flight request when the signal fires", async () => {
    const hang = await startServer(() => undefined);
    try {
      const controller = new AbortController();
      const pending = openAiProvider({ apiKey: async () => "", model: "m", baseUrl: hang.url, fetch }).complete({
        prompt: "x",
        signal: controller.signal,
      });
      while (hang.requests.length === 0) await new Promise((r) => setImmediate(r));
      controller.abort();
      await assert.rejects(
        pending,
        (e: unknown) => e instanceof ProviderError && !e.permanent && /aborted/.test(e.message),
      );
    } finally {
      await hang.close();
    }
  });
});

describe("anthropic base_url", () => {
  it("accepts a base URL with or without /v1", async () => {
    await anthropicProvider({
      apiKey: async () => "sk-ant-test-key",
      model: "m",
      baseUrl: `${server.url}/anthropic/ok/v1/`,
      fetch,
    }).complete({ prompt: "x" });
    assert.equal(last().url, "/anthropic/ok/v1/messages");
  });
});
