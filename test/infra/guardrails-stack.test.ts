/** `tracing.xray: true`: both functions get Lambda active tracing, and cdk-nag stays clean. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { nagFindings, synthYaml, type Synthesized } from "./fixtures/synth.ts";

const XRAY_CONFIG = `
sources:
  - type: webhook
    path: /hooks/report
    signature: none
    handler: report
handlers:
  report:
    prompt: "Report {payload.topic}"
    budget: { runs_per_hour: 10 }
tracing:
  xray: true
`;

describe("stack with tracing.xray", () => {
  let s: Synthesized;
  before(async () => {
    s = await synthYaml(XRAY_CONFIG);
  });

  it("turns on active tracing for the ingest and the runner", () => {
    const fns = Object.entries(s.template.findResources("AWS::Lambda::Function")).filter(([id]) =>
      /^Orchestrator(Ingest|Runner)Function/.test(id),
    );
    assert.equal(fns.length, 2);
    for (const [id, fn] of fns)
      assert.deepEqual(
        (fn as { Properties: { TracingConfig?: unknown } }).Properties.TracingConfig,
        { Mode: "Active" },
        id,
      );
  });

  it("passes cdk-nag with the X-Ray grant's wildcard acknowledged", () => {
    assert.deepEqual(
      nagFindings(s).map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(" ")}`),
      [],
    );
  });
});
