import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import {
  createTableInput,
  eventLogKey,
  expiresAt,
  gateLogKey,
  jobKey,
  LOG_PROJECTION,
  LOG_SHARDS,
  logPartitions,
  runKey,
  runLogKey,
  TABLE_KEYS,
} from "../../../shared/aws/table-layout.ts";

/** The index partition each of `n` writes lands on, counted. */
function spread(n: number, key: (i: number) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) counts.set(key(i), (counts.get(key(i)) ?? 0) + 1);
  return counts;
}

describe("table layout", () => {
  it("names the keys infra mirrors: pk/sk, TTL expires_at, the log index", () => {
    const t = createTableInput("evd");
    assert.deepEqual(
      t.KeySchema.map((k) => k.AttributeName),
      ["pk", "sk"],
    );
    assert.equal(TABLE_KEYS.ttlAttribute, "expires_at");
    assert.equal(t.GlobalSecondaryIndexes[0]!.IndexName, "log");
    assert.deepEqual(
      t.GlobalSecondaryIndexes[0]!.KeySchema.map((k) => k.AttributeName),
      ["logpk", "logsk"],
    );
  });

  it("spreads the event log's, the history's and the approval gates' index writes over 16 partitions: no write path has one hot partition", () => {
    const iso = "2026-06-01T08:00:00.000Z";
    // 1,600 GitHub deliveries in the same second, and their runs.
    const events = spread(1600, () => eventLogKey(randomUUID(), iso).logpk);
    const runs = spread(1600, () => runLogKey(`${randomUUID()}#review`, iso, 1).logpk);
    const gates = spread(1600, () => gateLogKey(`${randomUUID()}#release`, iso).logpk);
    for (const [name, counts] of [
      ["events", events],
      ["runs", runs],
      ["gates", gates],
    ] as const) {
      assert.equal(counts.size, LOG_SHARDS, `${name} use every shard`);
      const busiest = Math.max(...counts.values());
      assert.ok(busiest < 2 * (1600 / LOG_SHARDS), `${name}: the busiest partition takes ${busiest} of 1600 writes`);
    }
    assert.deepEqual([...events.keys()].sort(), logPartitions("EVENTS").sort());
  });

  it("projects only the attributes the index's queries filter on, never the event or the result", () => {
    const projection = createTableInput("evd").GlobalSecondaryIndexes[0]!.Projection;
    assert.equal(projection.ProjectionType, "INCLUDE");
    assert.deepEqual(projection.NonKeyAttributes, [...LOG_PROJECTION]);
    assert.ok(!LOG_PROJECTION.includes("event" as never) && !LOG_PROJECTION.includes("result" as never));
  });

  it("puts a given id on the same shard every time, and sorts runs by start time, then job id, then attempt", () => {
    assert.equal(eventLogKey("abc", "x").logpk, eventLogKey("abc", "y").logpk);
    const a = runLogKey("e#h", "2026-01-01T00:00:00.000Z", 2).logsk;
    const b = runLogKey("e#h", "2026-01-01T00:00:00.000Z", 10).logsk;
    const c = runLogKey("a#h", "2026-01-01T00:00:01.000Z", 1).logsk;
    assert.deepEqual([c, b, a].sort(), [a, b, c]);
    assert.equal(runKey("e#h", "2026-01-01T00:00:00.000Z", 3).pk, "RUN#e#h");
    assert.deepEqual(jobKey("x#y"), { pk: "JOB#x#y", sk: "JOB" });
  });

  it("computes the TTL in epoch seconds", () => {
    assert.equal(expiresAt(1_000_000, 1), 1000 + 86_400);
  });
});
