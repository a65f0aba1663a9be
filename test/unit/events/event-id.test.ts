import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jobIdOf } from "../../../shared/events/event.ts";
import { EventIdKind, githubEventId, manualEventId, namespacedEventId } from "../../../shared/events/event-id.ts";
import { fileChangeEventId } from "../../../shared/events/file-change-event.ts";
import { normalizeGithubDelivery } from "../../../shared/events/github.ts";
import { scheduleEventId } from "../../../shared/events/schedule-event.ts";
import { webhookEventId } from "../../../shared/events/webhook-event.ts";

const at = new Date("2026-03-02T09:00:00.000Z");
const body = Buffer.from('{"environment":"production"}');

describe("event ids: namespaced by source kind and endpoint", () => {
  it("a GitHub delivery header can never pose as a schedule slot, a webhook or a file change set", () => {
    const others = [
      scheduleEventId("nightly", at),
      webhookEventId("/hooks/deploy", {}, body),
      webhookEventId("/hooks/deploy", { "webhook-id": "msg_1" }, body),
      fileChangeEventId("docs", [{ path: "a.md", kind: "modify", hash: "h" }]),
      manualEventId("m-1"),
    ];
    for (const id of others) {
      // The attack of issue 13: a replayed, validly signed delivery with a chosen delivery id.
      const forged = normalizeGithubDelivery({
        eventName: "ping",
        deliveryId: id,
        payload: {},
        receivedAt: at,
        path: "/github",
      });
      assert.notEqual(forged.id, id);
      assert.ok(forged.id.startsWith("github:/github:"), forged.id);
    }
  });

  it("the same delivery id on two GitHub endpoints is two events", () => {
    assert.notEqual(githubEventId("/github", "d-1"), githubEventId("/github-2", "d-1"));
  });

  it("a signed webhook-id cannot pose as a body hash of the same endpoint", () => {
    const hashed = webhookEventId("/hooks/deploy", {}, body);
    const hex = hashed.split(":").at(-1)!;
    assert.notEqual(webhookEventId("/hooks/deploy", { "webhook-id": `sha256:${hex}` }, Buffer.from("other")), hashed);
  });

  it("separators inside parts are encoded, so different parts never join into the same id", () => {
    // Without encoding both would read "schedule:a:b:<time>".
    assert.notEqual(scheduleEventId("a:b", at), namespacedEventId(EventIdKind.SCHEDULE, "a", `b:${at.toISOString()}`));
    assert.equal(scheduleEventId("a:b", at), "schedule:a%3Ab:2026-03-02T09:00:00.000Z");
    // `#` separates the handler in a job id: an event id never contains one.
    const id = githubEventId("/github", "x#review");
    assert.ok(!id.includes("#"), id);
    assert.equal(jobIdOf(id, "review").split("#").length, 2);
    assert.equal(githubEventId("/github", "100%"), "github:/github:100%25");
  });

  it("ordinary ids read as they are", () => {
    assert.equal(scheduleEventId("weekly", at), "schedule:weekly:2026-03-02T09:00:00.000Z");
    assert.equal(githubEventId("/github", "72d3162e-cc78-11e3"), "github:/github:72d3162e-cc78-11e3");
    assert.match(manualEventId(), /^manual:[0-9a-f-]{36}$/);
    assert.equal(manualEventId("abc"), "manual:abc");
  });

  it("refuses empty parts", () => {
    assert.throws(() => manualEventId(" "), /must not be empty/);
    assert.throws(() => namespacedEventId(EventIdKind.FILE, ""), /empty part/);
  });
});
