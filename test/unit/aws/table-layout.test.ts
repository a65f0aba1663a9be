import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTableInput, expiresAt, jobKey, runGsi1, runKey, TABLE_KEYS } from "../../../shared/aws/table-layout.ts";

describe("table layout", () => {
  it("names the keys infra mirrors: pk/sk, TTL expires_at, GSI gsi1", () => {
    const t = createTableInput("evd");
    assert.deepEqual(
      t.KeySchema.map((k) => k.AttributeName),
      ["pk", "sk"],
    );
    assert.equal(TABLE_KEYS.ttlAttribute, "expires_at");
    assert.equal(t.GlobalSecondaryIndexes[0]!.IndexName, "gsi1");
    assert.deepEqual(
      t.GlobalSecondaryIndexes[0]!.KeySchema.map((k) => k.AttributeName),
      ["gsi1pk", "gsi1sk"],
    );
  });

  it("sorts history runs by start time, then job id, then attempt", () => {
    const a = runGsi1("e#h", "2026-01-01T00:00:00.000Z", 2).gsi1sk;
    const b = runGsi1("e#h", "2026-01-01T00:00:00.000Z", 10).gsi1sk;
    const c = runGsi1("a#h", "2026-01-01T00:00:01.000Z", 1).gsi1sk;
    assert.deepEqual([c, b, a].sort(), [a, b, c]);
    assert.equal(runKey("e#h", "2026-01-01T00:00:00.000Z", 3).pk, "RUN#e#h");
    assert.deepEqual(jobKey("x#y"), { pk: "JOB#x#y", sk: "JOB" });
  });

  it("computes the TTL in epoch seconds", () => {
    assert.equal(expiresAt(1_000_000, 1), 1000 + 86_400);
  });
});
