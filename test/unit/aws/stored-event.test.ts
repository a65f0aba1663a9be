import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { eventOfItem, storedEvent } from "../../../shared/aws/stored-event.ts";
import { decodePayload } from "../../../shared/codec/payload-codec.ts";
import type { Event } from "../../../shared/events/event.ts";
import { githubExample } from "../../fixtures/github.ts";

const event: Event = {
  id: "github:/github:d-1",
  type: "git_pr",
  source: "/github",
  payload: githubExample("pull_request", "opened"),
  timestamp: "2026-01-01T00:00:00.000Z",
};

describe("the cloud event log's stored event", () => {
  it("keeps the event through the shared payload codec, about a tenth of its JSON, and reads it back", async () => {
    const stored = await storedEvent(event, undefined);
    assert.ok("event_z" in stored);
    const json = JSON.stringify(event);
    assert.equal(decodePayload(stored.event_z), json);
    assert.ok(stored.event_z.length < 0.15 * Buffer.byteLength(json), `${stored.event_z.length} bytes`);
    assert.deepEqual(await eventOfItem({ pk: "EVENT#x", ...stored }, undefined), event);
  });

  it("still reads items written before the codec: plain gzip (event_gz) and a map (event)", async () => {
    assert.deepEqual(await eventOfItem({ pk: "EVENT#x", event_gz: gzipSync(JSON.stringify(event)) }, undefined), event);
    assert.deepEqual(await eventOfItem({ pk: "EVENT#x", event }, undefined), event);
  });
});
