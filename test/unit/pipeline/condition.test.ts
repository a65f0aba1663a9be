import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluateCondition, isTruthy } from "../../../shared/pipeline/condition.ts";
import { TemplateError } from "../../../shared/pipeline/errors.ts";

const scope = {
  config: { post_comment: true, require_approval: false, mode: "strict" },
  payload: { action: "opened", number: 7, bot: "false", labels: [] as string[] },
  review: "No",
};

const cases: [string, boolean][] = [
  ["{config.post_comment}", true],
  ["{config.require_approval}", false],
  ["{config.missing}", false],
  ["not {config.require_approval}", true],
  ["!{config.post_comment}", false],
  ["{payload.action} == 'opened'", true],
  ['{payload.action} != "opened"', false],
  ["{payload.number} == 7", true],
  ["{payload.number} == '7'", true],
  ["{config.post_comment} == true", true],
  ["{config.post_comment} and {payload.action} == 'closed'", false],
  ["{config.require_approval} or {payload.action} == 'opened'", true],
  ["{config.post_comment} && ({payload.number} == 8 || {config.mode} == 'strict')", true],
  ["{{config.post_comment}}", true],
  ["config.mode == 'strict'", true],
  ["{payload.bot}", false],
  ["{payload.labels}", false],
  ["{review}", false],
  ["{config.missing} == null", false],
  ["true and not false", true],
  ["{{payload.action}} == 'opened' and {{payload.number}} != 8", true],
  ["{{payload.number}} > 6 and {{payload.number}} <= 7", true],
  ["{{payload.number}} >= 8 or {payload.number} < '7'", false],
  ["{{config.mode}} == 'strict' or {{config.mode}} == 'lax'", true],
];

describe("evaluateCondition", () => {
  for (const [expr, expected] of cases) {
    it(`${expr} -> ${expected}`, () => {
      assert.equal(evaluateCondition(expr, scope, "steps[0].condition"), expected);
    });
  }

  it("rejects bad syntax with the step and the expression, and never evaluates code", () => {
    for (const bad of ["", "{config.post_comment} ==", "(true", "process.exit(1)", "{a} === 1", "1 + 1", "'unclosed"]) {
      assert.throws(
        () => evaluateCondition(bad, scope, "steps[2].condition"),
        (e: unknown) => e instanceof TemplateError && e.message.startsWith("steps[2].condition: bad condition"),
        bad,
      );
    }
  });

  it("a missing {{path}} is an error naming it (Amplifier's rule); a missing {path} is false", () => {
    assert.throws(
      () => evaluateCondition("{{severity}} != 'none'", scope, "steps[1].condition"),
      (e: unknown) =>
        e instanceof TemplateError &&
        /^steps\[1\]\.condition: \{\{severity\}\} is not defined; known names: /.test(e.message),
    );
    assert.equal(evaluateCondition("{severity} != 'none'", scope, "w"), true);
    assert.throws(
      () => evaluateCondition("{payload.action} > 2", scope, "w"),
      /">" compares numbers; found "opened" and 2/,
    );
  });

  it("treats LLM-ish false words as false", () => {
    for (const v of ["false", " FALSE ", "no", "0", "", 0, null, undefined, false, [], {}])
      assert.equal(isTruthy(v), false, String(v));
    for (const v of ["yes", "true", 1, [0], { a: 1 }, true]) assert.equal(isTruthy(v), true, String(v));
  });
});
