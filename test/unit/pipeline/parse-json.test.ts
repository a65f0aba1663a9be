import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ParseJson, processAnswer } from "../../../shared/pipeline/parse-json.ts";

describe("processAnswer (Amplifier's parse_json)", () => {
  it("clean (the recipe default): parses an answer that is JSON as a whole, keeps anything else", () => {
    assert.deepEqual(processAnswer(' {"a": 1} \n', ParseJson.CLEAN), { a: 1 });
    assert.equal(processAnswer("42", ParseJson.CLEAN), 42);
    assert.equal(processAnswer('Result: {"a": 1}', ParseJson.CLEAN), 'Result: {"a": 1}');
    assert.equal(processAnswer("", ParseJson.CLEAN), "");
  });

  it("extract (parse_json: true): a ```json block, else the last JSON embedded in prose, else the text", () => {
    assert.deepEqual(processAnswer('Here:\n```json\n{"severity": "high"}\n```\nDone.', ParseJson.EXTRACT), {
      severity: "high",
    });
    assert.deepEqual(processAnswer('A trivial {} must not win: {"n": [1, {"m": 2}]} and more', ParseJson.EXTRACT), {
      n: [1, { m: 2 }],
    });
    assert.deepEqual(processAnswer('Prose then [1, "two"] then text', ParseJson.EXTRACT), [1, "two"]);
    assert.equal(processAnswer("no json { here", ParseJson.EXTRACT), "no json { here");
  });

  it("never (parse_json: false, and handler steps in the config): the text as is", () => {
    assert.equal(processAnswer('{"a": 1}', ParseJson.NEVER), '{"a": 1}');
  });

  it("bounds the embedded search on long answers full of brackets", () => {
    const noisy = "{".repeat(5000) + "}".repeat(5000);
    assert.equal(processAnswer(noisy, ParseJson.EXTRACT), noisy);
  });
});
