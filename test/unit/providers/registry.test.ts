import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestratorConfig } from "../../../shared/config/schema.ts";
import { ProviderError } from "../../../shared/providers/errors.ts";
import type { Provider } from "../../../shared/providers/provider.ts";
import { createProviderRegistry } from "../../../shared/providers/registry.ts";
import { json, mapSecrets, startServer } from "../pipeline/support.ts";

function cfg(input: unknown) {
  return OrchestratorConfig.parse(input);
}

describe("provider registry", () => {
  it("has echo as the default when nothing is configured", async () => {
    const registry = createProviderRegistry(cfg({}), { secrets: mapSecrets({}) });
    assert.equal(registry.defaultName, "echo");
    assert.equal((await registry.get().provider.complete({ prompt: "p" })).text, "[echo model=echo]\np");
  });

  it("refuses unknown provider names, listing the configured ones", () => {
    const registry = createProviderRegistry(
      cfg({ providers: { claude: { kind: "anthropic", model: "m", api_key: "${ANTHROPIC_API_KEY}" } } }),
      { secrets: mapSecrets({}) },
    );
    assert.throws(
      () => registry.get("gpt"),
      (e: unknown) =>
        e instanceof ProviderError &&
        e.permanent &&
        e.message === 'unknown provider "gpt"; configured providers: echo, claude',
    );
    const badDefault = createProviderRegistry(cfg({ default_provider: "nope" }), { secrets: mapSecrets({}) });
    assert.throws(() => badDefault.get(), /unknown provider "nope" \(default_provider\)/);
  });

  it("resolves api keys through the secret store at first use, and fails permanently when missing", async () => {
    const server = await startServer((req, res) =>
      json(res, 200, { content: [{ type: "text", text: `key=${String(req.headers["x-api-key"])}` }] }),
    );
    try {
      const config = cfg({
        default_provider: "claude",
        providers: {
          claude: { kind: "anthropic", model: "claude-x", base_url: server.url, api_key: "${ANTHROPIC_API_KEY}" },
        },
      });
      const ok = createProviderRegistry(config, { secrets: mapSecrets({ ANTHROPIC_API_KEY: "sk-1" }) });
      const entry = ok.get();
      assert.equal(entry.model, "claude-x");
      assert.equal((await entry.provider.complete({ prompt: "p", model: entry.model })).text, "key=sk-1");
      const missing = createProviderRegistry(config, { secrets: mapSecrets({}) });
      await assert.rejects(
        missing.get().provider.complete({ prompt: "p" }),
        (e: unknown) =>
          e instanceof ProviderError &&
          e.permanent &&
          /provider "claude": its api_key could not be resolved/.test(e.message),
      );
      const none = createProviderRegistry(
        cfg({ providers: { claude: { kind: "anthropic", model: "m", base_url: server.url } } }),
        { secrets: mapSecrets({}) },
      );
      await assert.rejects(
        none.get("claude").provider.complete({ prompt: "p" }),
        /anthropic needs providers.claude.api_key/,
      );
    } finally {
      await server.close();
    }
  });

  it("takes Bedrock (and overrides) from deps, and explains a Bedrock entry without it", async () => {
    const bedrock: Provider = { name: "bedrock", complete: async () => ({ text: "b" }) };
    const config = cfg({ providers: { aws: { kind: "bedrock", model: "anthropic.claude" } } });
    const withIt = createProviderRegistry(config, { secrets: mapSecrets({}), extra: { bedrock } });
    assert.equal((await withIt.get("aws").provider.complete({ prompt: "p" })).text, "b");
    assert.equal(withIt.get("aws").model, "anthropic.claude");
    const without = createProviderRegistry(config, { secrets: mapSecrets({}) });
    await assert.rejects(
      without.get("aws").provider.complete({ prompt: "p" }),
      (e: unknown) =>
        e instanceof ProviderError &&
        e.permanent &&
        /is Bedrock, which is only available where the AWS runtime provides it/.test(e.message),
    );
  });
});
