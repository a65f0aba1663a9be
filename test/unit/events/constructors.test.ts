import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { EventError } from "../../../shared/events/errors.ts";
import { fileChangeEvent } from "../../../shared/events/file-change-event.ts";
import { manualEvent } from "../../../shared/events/manual-event.ts";
import { scheduleEvent } from "../../../shared/events/schedule-event.ts";
import { webhookEvent, webhookEventId } from "../../../shared/events/webhook-event.ts";

const now = new Date("2026-03-01T10:00:00.000Z");

describe("scheduleEvent", () => {
  it("has the id schedule:<name>:<iso> and the scheduled time as timestamp", () => {
    const at = new Date("2026-03-02T09:00:00.000Z");
    const event = scheduleEvent("weekly", at, { team: "core" });
    assert.equal(event.id, "schedule:weekly:2026-03-02T09:00:00.000Z");
    assert.equal(event.type, "schedule");
    assert.equal(event.source, "weekly");
    assert.equal(event.timestamp, at.toISOString());
    assert.deepEqual(event.payload, { team: "core" });
    assert.equal(scheduleEvent("weekly", new Date(at)).id, event.id);
  });

  it("refuses an invalid time", () => {
    assert.throws(() => scheduleEvent("weekly", new Date("nope")), EventError);
  });
});

describe("fileChangeEvent", () => {
  const changes = [
    { path: "src/b.py", kind: "modify" as const, hash: "h2", content: "print(2)" },
    { path: "src/a.py", kind: "create" as const, hash: "h1" },
  ];

  it("gives the same id for the same set of changes in any order, another for other content", () => {
    const a = fileChangeEvent({ source: "docs", root: "/repo", changes, now });
    const b = fileChangeEvent({ source: "docs", root: "/repo", changes: [...changes].reverse(), now: new Date(0) });
    assert.equal(a.id, b.id);
    assert.match(a.id, /^file:[0-9a-f]{64}$/);
    const c = fileChangeEvent({
      source: "docs",
      root: "/repo",
      changes: [{ ...changes[0]!, hash: "h3" }, changes[1]!],
      now,
    });
    assert.notEqual(a.id, c.id);
    const d = fileChangeEvent({ source: "other", root: "/repo", changes, now });
    assert.notEqual(a.id, d.id);
  });

  it("lists the files sorted, with inlined contents", () => {
    const event = fileChangeEvent({ source: "docs", root: "/repo", changes, now });
    assert.equal(event.type, "file_change");
    assert.deepEqual(event.payload.files, ["src/a.py", "src/b.py"]);
    assert.deepEqual(event.payload.changed_files, ["src/a.py", "src/b.py"]);
    assert.equal(event.payload.files_content, "--- src/b.py ---\nprint(2)");
  });

  it("refuses an empty change set and an unknown kind", () => {
    assert.throws(() => fileChangeEvent({ source: "docs", root: "/r", changes: [], now }), EventError);
    assert.throws(
      () =>
        fileChangeEvent({
          source: "docs",
          root: "/r",
          changes: [{ path: "x", kind: "rename" as "create", hash: "" }],
          now,
        }),
      /unknown kind "rename"/,
    );
  });
});

describe("manualEvent", () => {
  it("takes the caller's id or makes a fresh UUID", () => {
    assert.equal(manualEvent({ id: "abc", now }).id, "manual:abc");
    const a = manualEvent({ now });
    const b = manualEvent({ now });
    assert.match(a.id, /^manual:[0-9a-f-]{36}$/);
    assert.notEqual(a.id, b.id);
    assert.equal(a.type, "manual");
    assert.equal(a.source, "cli");
  });

  it("builds custom and webhook events", () => {
    const w = manualEvent({ type: "webhook", source: "/hooks/deploy", payload: { v: 1 }, now });
    assert.equal(w.type, "webhook");
    assert.equal(w.metadata?.path, "/hooks/deploy");
    assert.deepEqual(w.payload, { v: 1 });
    assert.equal(manualEvent({ type: "custom", now }).type, "custom");
  });
});

describe("webhookEvent", () => {
  const body = Buffer.from('{"environment":"production"}');
  it("uses the webhook-id header when present", () => {
    const event = webhookEvent({
      path: "/hooks/deploy",
      headers: { "webhook-id": "msg_123" },
      rawBody: body,
      payload: {},
      receivedAt: now,
    });
    assert.equal(event.id, "webhook:/hooks/deploy:id:msg_123");
    assert.equal(event.type, "webhook");
    assert.equal(event.metadata?.path, "/hooks/deploy");
  });

  it("else hashes the raw body: same bytes, same id; the path is part of it", () => {
    const id = webhookEventId("/hooks/deploy", {}, body);
    assert.equal(id, `webhook:/hooks/deploy:sha256:${createHash("sha256").update(body).digest("hex")}`);
    assert.equal(webhookEventId("/hooks/deploy", {}, Buffer.from(body)), id);
    assert.notEqual(webhookEventId("/hooks/other", {}, body), id);
    assert.notEqual(webhookEventId("/hooks/deploy", {}, Buffer.from("{}")), id);
  });
});
