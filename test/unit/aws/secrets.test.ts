import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { secretLocation } from "../../../shared/aws/secrets.ts";

describe("secret locations", () => {
  it("maps references to Secrets Manager ids or SSM paths", () => {
    const map = { GH: "prod/github", SLACK: "ssm:/evd/slack" };
    assert.deepEqual(secretLocation(map, "GH"), { service: "secretsmanager", id: "prod/github" });
    assert.deepEqual(secretLocation(map, "SLACK"), { service: "ssm", path: "/evd/slack" });
    assert.deepEqual(secretLocation(map, "OTHER"), { service: "secretsmanager", id: "OTHER" });
    assert.throws(() => secretLocation({ X: "ssm:" }, "X"), /without a parameter path/);
  });
});
