import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { creationOrder } from "../../../../local/cloud-local/deploy-stack.ts";
import { TemplateError } from "../../../../local/cloud-local/errors.ts";
import { referencedNames, resolveIntrinsics, type IntrinsicScope } from "../../../../local/cloud-local/intrinsics.ts";

const scope: IntrinsicScope = {
  region: "eu-west-1",
  ref: (name) => ({ Queue: "https://q", "AWS::Region": "eu-west-1", Stage: "prod" })[name] ?? `ref:${name}`,
  getAtt: (id, attr) => `${id}.${attr}`,
  condition: (name) => name === "IsProd",
  findInMap: (m, a, b) => `${m}/${a}/${b}`,
};
const r = (v: unknown) => resolveIntrinsics(v, scope, "Resources.X.Properties");

describe("CloudFormation intrinsics", () => {
  it("Ref, Fn::GetAtt (both forms), Fn::Join", () => {
    assert.equal(r({ Ref: "Queue" }), "https://q");
    assert.equal(r({ "Fn::GetAtt": ["Table", "Arn"] }), "Table.Arn");
    assert.equal(r({ "Fn::GetAtt": "Table.StreamArn" }), "Table.StreamArn");
    assert.equal(r({ "Fn::Join": ["", ['{"a":"', { Ref: "Queue" }, '"}']] }), '{"a":"https://q"}');
  });

  it("Fn::Sub: refs, attributes, its own variables, and ${!literal}", () => {
    assert.equal(
      r({ "Fn::Sub": "arn:${AWS::Region}:${Api}/${Table.Arn}/${!Keep}" }),
      "arn:eu-west-1:ref:Api/Table.Arn/${Keep}",
    );
    assert.equal(r({ "Fn::Sub": ["${A}-${Stage}", { A: { Ref: "Queue" } }] }), "https://q-prod");
  });

  it("Fn::Select, Fn::Split, Fn::If with AWS::NoValue dropping keys and elements", () => {
    assert.equal(r({ "Fn::Select": [1, { "Fn::Split": [",", "a,b,c"] }] }), "b");
    assert.deepEqual(r({ A: { "Fn::If": ["IsProd", 1, 2] }, B: { "Fn::If": ["IsDev", 1, { Ref: "AWS::NoValue" }] } }), {
      A: 1,
    });
    assert.deepEqual(r([1, { Ref: "AWS::NoValue" }, 3]), [1, 3]);
    assert.equal(r({ "Fn::Equals": [{ Ref: "Stage" }, "prod"] }), true);
    assert.equal(r({ "Fn::Not": [{ Condition: "IsProd" }] }), false);
    assert.equal(r({ "Fn::FindInMap": ["M", "k1", "k2"] }), "M/k1/k2");
    assert.equal(r({ "Fn::Base64": "hi" }), "aGk=");
  });

  it("refuses what it cannot evaluate, naming where", () => {
    assert.throws(
      () => r({ Env: { "Fn::ImportValue": "Shared" } }),
      (e: Error) =>
        e instanceof TemplateError &&
        /Resources\.X\.Properties\.Env\.Fn::ImportValue: .*exports of other stacks/.test(e.message),
    );
    assert.throws(() => r({ "Fn::Select": [5, ["a"]] }), /index 5 is outside the list of 1/);
  });

  it("finds the logical ids a value refers to", () => {
    assert.deepEqual(
      [
        ...referencedNames({
          a: { Ref: "Q" },
          b: { "Fn::GetAtt": ["T", "Arn"] },
          c: { "Fn::Sub": "${Api}/${Fn.Arn}/${!x}/${AWS::Region}" },
        }),
      ].sort(),
      ["AWS::Region", "Api", "Fn", "Q", "T"],
    );
  });

  it("orders resources after what they refer to; a cycle is an error", () => {
    const order = creationOrder({
      Fn: { Type: "X", Properties: { Queue: { Ref: "Queue" } } },
      Queue: { Type: "X", Properties: { Dlq: { "Fn::GetAtt": ["Dlq", "Arn"] } } },
      Dlq: { Type: "X" },
      After: { Type: "X", DependsOn: ["Fn"] },
    });
    assert.ok(
      order.indexOf("Dlq") < order.indexOf("Queue") &&
        order.indexOf("Queue") < order.indexOf("Fn") &&
        order.indexOf("Fn") < order.indexOf("After"),
    );
    assert.throws(
      () =>
        creationOrder({
          A: { Type: "X", Properties: { b: { Ref: "B" } } },
          B: { Type: "X", Properties: { a: { Ref: "A" } } },
        }),
      /circular dependency: A -> B -> A/,
    );
  });
});
