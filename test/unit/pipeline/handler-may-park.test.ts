/**
 * Which handlers' runs can stop at an approval gate: the cloud runner reads the gate item of
 * those jobs only (a duplicate of a parked job must not run again), and no other.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../../shared/config/parse.ts";
import { handlerMayPark } from "../../../shared/pipeline/approval-gate.ts";
import { mapRecipeSource } from "../../../shared/pipeline/recipe-source.ts";

const GATED = `
name: gated
stages:
  - name: plan
    steps: [{prompt: "plan"}]
    approval: {required: true, prompt: "ok?"}
  - name: ship
    steps: [{prompt: "ship"}]
`;
const STAGED = `
name: staged
stages:
  - name: plan
    steps: [{prompt: "plan"}]
    approval: {required: false}
  - name: ship
    steps: [{prompt: "ship"}]
`;
const FLAT = `
name: flat
steps: [{prompt: "one"}]
`;

describe("handlerMayPark", () => {
  it("is true for a handler whose own recipe has a required gate, false for the others, true when the recipe cannot be read", async () => {
    const config = parseConfig(
      {
        sources: [{ type: "manual", handler: "gated" }],
        handlers: {
          gated: { recipe: "recipes/gated.yaml" },
          staged: { recipe: "recipes/staged" },
          flat: { recipe: "recipes/flat.yaml" },
          prompt: { prompt: "hello" },
          lost: { recipe: "recipes/lost.yaml" },
        },
      },
      { where: "test", env: {} },
    );
    let loads = 0;
    const source = mapRecipeSource({
      "recipes/gated.yaml": GATED,
      "recipes/staged.yaml": STAGED,
      "recipes/flat.yaml": FLAT,
    });
    const mayPark = handlerMayPark(config, {
      load: (ref, from) => {
        loads++;
        return source.load(ref, from);
      },
    });
    assert.equal(await mayPark("gated"), true);
    assert.equal(await mayPark("staged"), false, "a gate that is not required never stops a run");
    assert.equal(await mayPark("flat"), false);
    assert.equal(await mayPark("prompt"), false);
    assert.equal(await mayPark("unknown"), false);
    assert.equal(await mayPark("lost"), true, "unreadable: look rather than miss a gate");
    assert.equal(await mayPark("gated"), true);
    assert.equal(loads, 4, "each recipe is read once");
  });
});
