/**
 * The grants approval gates need in the cloud, on the stack of a config whose handler runs a
 * staged recipe with gates: the operator policy (`evd cloud approvals|approve|deny`) may touch the
 * gate items and nothing it did not have, and the runner parks, times out and resumes runs with
 * the item and queue grants it already had (a transaction needs the per-item actions only, never
 * ConditionCheckItem). The integration suite's IAM conformance check proves each call is allowed
 * and each grant used; this pins the policy's shape.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gateKey, jobKey, runKey } from "../../shared/aws/table-layout.ts";
import { synthConfig, type Synthesized } from "./fixtures/synth.ts";

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

const RECIPE = `
name: release
stages:
  - name: plan
    steps:
      - prompt: "Plan {{payload.version}}"
    approval:
      required: true
      prompt: "Ship it?"
      timeout: 3600
      default: deny
  - name: ship
    steps:
      - prompt: "Ship {{payload.version}}"
`;

const actions = (st: Statement): string[] => (Array.isArray(st.Action) ? st.Action : [st.Action]).sort();

function resources(s: Synthesized, type: string): [string, { Properties: Record<string, unknown> }][] {
  return Object.entries(s.template.findResources(type)) as [string, { Properties: Record<string, unknown> }][];
}

describe("grants of approval gates in the cloud", () => {
  let s: Synthesized;
  let operator: Statement[];
  let runner: Statement[];
  const dir = mkdtempSync(join(tmpdir(), "evd-gates-infra-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    mkdirSync(join(dir, "recipes"));
    writeFileSync(join(dir, "recipes", "release.yaml"), RECIPE);
    writeFileSync(
      join(dir, "evd.yaml"),
      "sources: [{type: manual, handler: release}]\nhandlers:\n  release: {recipe: recipes/release}\n",
    );
    s = await synthConfig(join(dir, "evd.yaml"));
    const [[, policy] = []] = resources(s, "AWS::IAM::ManagedPolicy").filter(([id]) =>
      id.startsWith("OrchestratorClientPoliciesOperator"),
    );
    operator = (policy!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const roleId = resources(s, "AWS::IAM::Role").find(([id]) => id.startsWith("OrchestratorRunnerRole"))![0];
    runner = resources(s, "AWS::IAM::Policy")
      .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  });

  it("lets the operator read and decide gate items, and the job and history items a decision writes, by key prefix", () => {
    const items = operator.find((st) => st.Sid === "StateItems")!;
    assert.deepEqual(actions(items), [
      "dynamodb:BatchGetItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]);
    const prefixes = (items.Condition!["ForAllValues:StringLike"] as Record<string, string[]>)["dynamodb:LeadingKeys"]!;
    assert.deepEqual(prefixes, ["EVENT#*", "CKEY#*", "JOB#*", "RUN#*", "BREAKER#*", "GATE#*"]);
    // The keys a decision touches are those of the table layout, so each is under a granted prefix.
    const granted = (pk: string) => prefixes.some((p) => pk.startsWith(p.slice(0, -1)));
    for (const key of [gateKey("e#h"), jobKey("e#h"), runKey("e#h", new Date(0).toISOString(), 1)])
      assert.ok(granted(key.pk), `${key.pk} is under a granted prefix`);
    assert.ok(
      operator.every((st) => !actions(st).includes("dynamodb:ConditionCheckItem")),
      "no ConditionCheckItem: the decisions' transactions update and put only",
    );
  });

  it("lets the operator list the waiting gates through the log index and send an approved run's resume to the job queue", () => {
    const index = operator.find((st) => st.Sid === "LogIndex")!;
    assert.deepEqual(actions(index), ["dynamodb:Query"]);
    assert.match(JSON.stringify(index.Resource), /\/index\/log/);
    const queue = operator.find((st) => st.Sid === "JobQueue")!;
    assert.deepEqual(actions(queue), ["sqs:GetQueueAttributes", "sqs:SendMessage"]);
  });

  it("parks, times out and resumes with the runner's item and queue grants: nothing added for gates", () => {
    const dynamo = runner.flatMap((st) => actions(st).filter((a) => a.startsWith("dynamodb:"))).sort();
    assert.deepEqual(dynamo, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
    const items = runner.find((st) => actions(st).includes("dynamodb:PutItem"))!;
    assert.equal(items.Condition, undefined, "the runner writes every item kind of its own table");
    const requeue = runner.find((st) => st.Sid === "RequeueDeferredJobs")!;
    assert.deepEqual(actions(requeue), ["sqs:SendMessage"], "a gate's timer and a timed-out approval's resume");
  });
});
