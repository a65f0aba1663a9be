import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveSecret, secretRefName } from "../../../shared/config/secret-ref.ts";
import { sourceName } from "../../../shared/config/source-name.ts";
import type { SecretStore } from "../../../shared/ports/secret-store.ts";

describe("secret references", () => {
  it("recognizes only a bare ${NAME}", () => {
    assert.equal(secretRefName("${WEBHOOK_SECRET}"), "WEBHOOK_SECRET");
    assert.equal(secretRefName("literal"), undefined);
    assert.equal(secretRefName("${A:-default}"), undefined);
    assert.equal(secretRefName("x${A}"), undefined);
    assert.equal(secretRefName("${1A}"), undefined);
  });

  it("resolves a reference through the store and returns literals as written", async () => {
    const asked: string[] = [];
    const store: SecretStore = {
      async get(name) {
        asked.push(name);
        return `value-of-${name}`;
      },
    };
    assert.equal(await resolveSecret("${GITHUB_TOKEN}", store), "value-of-GITHUB_TOKEN");
    assert.equal(await resolveSecret("plain-secret", store), "plain-secret");
    assert.deepEqual(asked, ["GITHUB_TOKEN"]);
  });
});

describe("sourceName", () => {
  it("uses the given name, else handler-type-index", () => {
    assert.equal(sourceName({ name: "nightly", handler: "h", type: "schedule" }, 3), "nightly");
    assert.equal(sourceName({ handler: "weekly-summary", type: "schedule" }, 0), "weekly-summary-schedule-0");
  });
});
