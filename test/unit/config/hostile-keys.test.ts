/** What the config fuzzing (test/security/config-fuzz.test.ts) found: problems that named no key path or had no message. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../../shared/config/errors.ts";
import { parseConfig } from "../../../shared/config/parse.ts";
import { parseYamlText } from "../../../shared/config/yaml-text.ts";

describe("config: hostile keys and aliases", () => {
  it("a step key named like an Object method is an unknown key with a message, not Object's own function", () => {
    let error: unknown;
    try {
      parseConfig(
        { handlers: { h: { steps: [{ prompt: "hi", constructor: 1, toString: 2 }] } } },
        { where: "test", env: {} },
      );
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof ConfigError);
    const byPath = new Map(error.issues.map((i) => [i.path, i.message]));
    for (const key of ["constructor", "toString"]) {
      const message = byPath.get(`handlers.h.steps[0].${key}`);
      assert.equal(typeof message, "string", key);
      assert.match(message!, new RegExp(`unknown key "${key}"`));
    }
  });

  it("an unresolved YAML alias names its line", () => {
    const parsed = parseYamlText("sources:\n  - type: manual\n    handler: *nope\n");
    assert.equal(parsed.issues.length, 1);
    assert.equal(parsed.issues[0]!.line, 3);
    assert.match(parsed.issues[0]!.message, /Unresolved alias/);
  });
});
