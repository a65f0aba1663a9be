import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configJsonSchema } from "../../../shared/config/json-schema.ts";

type Obj = Record<string, unknown>;

describe("configJsonSchema", () => {
  const schema = configJsonSchema();

  it("is an object schema with the spec's keys", () => {
    assert.equal(schema.type, "object");
    const props = schema.properties as Obj;
    for (const key of [
      "mode",
      "sources",
      "handlers",
      "max_concurrent_handlers",
      "queue_overflow",
      "webhook_port",
      "webhook_host",
      "state_file",
      "persist_last_run",
    ]) {
      assert.ok(key in props, `missing ${key}`);
    }
    assert.equal(schema.additionalProperties, false);
  });

  it("describes every top-level key for editors, with input defaults", () => {
    const props = schema.properties as Record<string, Obj>;
    for (const [key, p] of Object.entries(props))
      assert.equal(typeof p.description, "string", `${key} has no description`);
    assert.equal(props.queue_overflow!.default, "queue");
    assert.deepEqual(props.queue_overflow!.enum, ["drop", "queue", "error"]);
  });

  it("lists the seven source types", () => {
    const items = (schema.properties as Record<string, Obj>).sources!.items as Obj;
    const variants = (items.anyOf ?? items.oneOf) as Obj[];
    const types = variants.map((v) => (v.properties as Record<string, Obj>).type!.const);
    assert.deepEqual(types, ["file_change", "git_push", "git_pr", "webhook", "schedule", "manual", "custom"]);
  });

  it("is plain JSON", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
  });
});
