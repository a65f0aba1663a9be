/** The HandlerStateStore contract: every adapter (memory, embedded store, DynamoDB) passes the same tests. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HandlerStateStore } from "../../shared/ports/handler-state-store.ts";

export function handlerStateStoreContract(adapter: string, make: () => Promise<HandlerStateStore>): void {
  describe(`HandlerStateStore contract: ${adapter}`, () => {
    it("stores JSON values per handler and key, and reads them back as written", async () => {
      const store = await make();
      assert.equal(await store.get("review-pr", "cursor"), undefined);
      const value = { sha: "abc123", seen: [1, 2, 3], nested: { ok: true, none: null }, "": "empty key" };
      await store.set("review-pr", "cursor", value);
      assert.deepEqual(await store.get("review-pr", "cursor"), value);
      await store.set("review-pr", "count", 0);
      assert.equal(await store.get("review-pr", "count"), 0);
      await store.set("review-pr", "big", 9007199254740991);
      assert.equal(await store.get("review-pr", "big"), 9007199254740991);
    });

    it("keeps handlers apart, overwrites, and deletes on undefined", async () => {
      const store = await make();
      await store.set("a", "k", "from a");
      await store.set("b", "k", "from b");
      assert.equal(await store.get("a", "k"), "from a");
      assert.equal(await store.get("b", "k"), "from b");
      await store.set("a", "k", "again");
      assert.equal(await store.get("a", "k"), "again");
      await store.set("a", "k", undefined);
      assert.equal(await store.get("a", "k"), undefined);
      assert.equal(await store.get("b", "k"), "from b");
    });
  });
}
