import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isModelGlob, resolveModel } from "../../../shared/pipeline/model-glob.ts";

describe("resolveModel", () => {
  const anthropic = {
    kind: "anthropic" as const,
    models: ["claude-sonnet-4-20250514", "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"],
  };

  it("resolves a glob to the last match in sort order (the newest dated version), like Amplifier", () => {
    assert.deepEqual(resolveModel("claude-sonnet-*", "anthropic", anthropic), {
      ok: true,
      model: "claude-sonnet-4-5-20250929",
    });
    assert.deepEqual(resolveModel("claude-?aiku-[0-9]-*", "anthropic", anthropic), {
      ok: true,
      model: "claude-haiku-4-5-20251001",
    });
    assert.deepEqual(resolveModel("claude-sonnet-4-20250514", "anthropic", anthropic), {
      ok: true,
      model: "claude-sonnet-4-20250514",
    });
  });

  it("keeps a glob for echo (which only reports it); refuses one a real provider cannot resolve", () => {
    assert.deepEqual(resolveModel("claude-*", "echo", undefined), { ok: true, model: "claude-*" });
    assert.deepEqual(resolveModel("claude-*", "e", { kind: "echo" }), { ok: true, model: "claude-*" });
    const none = resolveModel("claude-*", "claude", { kind: "anthropic" });
    assert.equal(none.ok, false);
    assert.match(!none.ok ? none.problem : "", /list the models of provider "claude" under providers\.claude\.models/);
    const miss = resolveModel("gpt-*", "anthropic", anthropic);
    assert.match(!miss.ok ? miss.problem : "", /matches none of providers\.anthropic\.models/);
  });

  it("matches dots and slashes literally, as fnmatch does", () => {
    assert.equal(isModelGlob("anthropic.claude-3-5"), false);
    const bedrock = { kind: "bedrock" as const, models: ["anthropic.claude-3-5-haiku", "anthropicXclaude-3-5-haiku"] };
    assert.deepEqual(resolveModel("anthropic.claude-*", "b", bedrock), {
      ok: true,
      model: "anthropic.claude-3-5-haiku",
    });
    const router = { kind: "openai" as const, models: ["anthropic/claude-3.5"] };
    assert.deepEqual(resolveModel("*/claude-*", "r", router), { ok: true, model: "anthropic/claude-3.5" });
  });
});
