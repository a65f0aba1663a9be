import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TemplateError } from "../../../shared/pipeline/errors.ts";
import { formatValue, renderTemplate, renderValue } from "../../../shared/pipeline/template.ts";

const scope = {
  payload: {
    environment: "production",
    version: "1.2.3",
    number: 42,
    draft: false,
    labels: ["bug", "ui"],
    pull_request: { title: "Fix {env.HOME} and ${HOME}" },
    nested: { a: [1, { b: 2 }] },
  },
  event: { id: "evt-1", type: "webhook" },
  config: { post_comment: true },
  steps: [{ output: "first {steps.1.output}" }],
  files: ["a.py", "b.py"],
  summary: "the summary",
};

describe("renderTemplate", () => {
  it("expands dotted paths of the payload, event, config, steps and shortcuts", () => {
    const text = renderTemplate(
      "{payload.environment} {payload.version} #{payload.number} {event.id} {config.post_comment} {files} {steps.0.output} {summary}",
      scope,
      { where: "steps[0].prompt" },
    );
    assert.equal(text, "production 1.2.3 #42 evt-1 true a.py, b.py first {steps.1.output} the summary");
  });

  it("is single-pass: payload text that looks like a template or an env var stays literal", () => {
    assert.equal(
      renderTemplate("Title: {payload.pull_request.title}", scope, { where: "w" }),
      "Title: Fix {env.HOME} and ${HOME}",
    );
    assert.equal(renderTemplate("{steps.0.output}", scope, { where: "w" }), "first {steps.1.output}");
  });

  it("cannot read environment variables: {env.HOME} in the template is a missing path", () => {
    assert.throws(
      () => renderTemplate("{env.HOME}", scope, { where: "steps[0].prompt" }),
      (e: unknown) => e instanceof TemplateError && /\{env\.HOME\} is not defined/.test(e.message) && e.permanent,
    );
  });

  it("names the missing path and the step", () => {
    assert.throws(() => renderTemplate("v={payload.missing}", scope, { where: "steps[1].prompt" }), {
      message: "steps[1].prompt: {payload.missing} is not in the event",
    });
    assert.throws(
      () => renderTemplate("{config.nope}", scope, { where: "steps[0].prompt" }),
      /steps\[0\]\.prompt: \{config\.nope\} is not in the handler config/,
    );
    assert.throws(
      () => renderTemplate("{steps.3.output}", scope, { where: "steps[4].prompt" }),
      /\{steps\.3\.output\} is not available/,
    );
  });

  it("uses the step's default for missing paths", () => {
    assert.equal(renderTemplate("v={payload.missing}", scope, { where: "w", fallback: { value: "n/a" } }), "v=n/a");
  });

  it("reads Amplifier's {{path}} too; a {{ that opens no path and a lone }} are literal braces", () => {
    assert.equal(
      renderTemplate("{{payload.version}} = {payload.version} = {{ payload.version }}", scope, { where: "w" }),
      "1.2.3 = 1.2.3 = 1.2.3",
    );
    assert.equal(renderTemplate('{{"a": 1}} and {{{payload.version}}}', scope, { where: "w" }), '{"a": 1} and {1.2.3}');
    assert.equal(renderTemplate('JSON: {"a": 1} and } alone', scope, { where: "w" }), 'JSON: {"a": 1} and } alone');
    assert.equal(renderTemplate("${payload.version}", scope, { where: "w" }), "$1.2.3");
  });

  it("{{path}} renders lists and maps as Amplifier does (one-line JSON, non-ASCII escaped), {path} as before", () => {
    assert.equal(
      renderTemplate("{{payload.labels}} | {payload.labels}", scope, { where: "w" }),
      '["bug", "ui"] | bug, ui',
    );
    assert.equal(renderTemplate("{{payload.nested}}", scope, { where: "w" }), '{"a": [1, {"b": 2}]}');
    assert.equal(renderTemplate("{{x}}", { x: ["é", null, true] }, { where: "w" }), '["\\u00e9", null, true]');
    assert.equal(renderTemplate("{{payload.number}} {{payload.draft}}", scope, { where: "w" }), "42 false");
  });

  it("is single-pass in both syntaxes: a value holding {{x}} stays literal", () => {
    assert.equal(renderTemplate("{{a}}", { a: "{{b}} {b}", b: "no" }, { where: "w" }), "{{b}} {b}");
  });

  it("names a missing {{path}} as written", () => {
    assert.throws(
      () => renderTemplate("{{severity}}", scope, { where: "recipe r.yaml steps[1].prompt" }),
      (e: unknown) =>
        e instanceof TemplateError &&
        /^recipe r\.yaml steps\[1\]\.prompt: \{\{severity\}\} is not defined; known names: /.test(e.message),
    );
  });

  it("keeps the type of an argument that is exactly one {{path}}", () => {
    assert.deepEqual(renderValue("{{payload.labels}}", scope, { where: "w" }), ["bug", "ui"]);
    assert.equal(renderValue("{{ payload.number }}", scope, { where: "w" }), 42);
  });

  it("does not walk the prototype chain", () => {
    assert.throws(() => renderTemplate("{payload.constructor}", scope, { where: "w" }), TemplateError);
    assert.throws(() => renderTemplate("{payload.__proto__}", scope, { where: "w" }), TemplateError);
  });

  it("indexes arrays and renders objects as JSON", () => {
    assert.equal(renderTemplate("{payload.nested.a.1.b}", scope, { where: "w" }), "2");
    assert.equal(
      renderTemplate("{payload.nested}", scope, { where: "w" }),
      JSON.stringify(scope.payload.nested, null, 2),
    );
    assert.equal(renderTemplate("{payload.draft}", scope, { where: "w" }), "false");
  });
});

describe("formatValue", () => {
  it("joins arrays of scalars and pretty-prints the rest", () => {
    assert.equal(formatValue(["a", 1, true]), "a, 1, true");
    assert.equal(formatValue([{ a: 1 }]), '[\n  {\n    "a": 1\n  }\n]');
    assert.equal(formatValue(null), "null");
  });
});

describe("renderValue (tool arguments)", () => {
  it("keeps the type of an argument that is exactly one path", () => {
    assert.deepEqual(renderValue("{files}", scope, { where: "w" }), ["a.py", "b.py"]);
    assert.equal(renderValue("{payload.number}", scope, { where: "w" }), 42);
    assert.equal(renderValue("n={payload.number}", scope, { where: "w" }), "n=42");
  });

  it("renders nested maps and lists, naming the key in errors", () => {
    assert.deepEqual(
      renderValue({ h: { x: "{payload.version}" }, l: ["{event.type}"] }, scope, { where: "steps[0]" }),
      { h: { x: "1.2.3" }, l: ["webhook"] },
    );
    assert.throws(
      () => renderValue({ h: { x: "{payload.nope}" } }, scope, { where: "steps[0].headers" }),
      /steps\[0\]\.headers\.h\.x: \{payload\.nope\}/,
    );
  });
});
