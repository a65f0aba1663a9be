import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../../../shared/config/parse.ts";
import type { FileChange } from "../../../../shared/events/file-change-event.ts";
import { buildChangeSet, type BuiltChangeSet, type WatchedChanges } from "../../../../local/bridge/change-set.ts";
import { jobMessageBody } from "../../../../shared/aws/job-message.ts";
import { routeEvent } from "../../../../shared/router/route.ts";

const config = parseConfig(
  {
    sources: [
      { type: "file_change", name: "docs", path: "./docs", handler: "summarize" },
      { type: "file_change", name: "docs-md", path: "./docs", pattern: "**/*.md", handler: "lint" },
    ],
    handlers: { summarize: { steps: [{ prompt: "sum {files}" }] }, lint: { steps: [{ prompt: "lint {files}" }] } },
  },
  { where: "test", env: {} },
);

const at = { changedAt: new Date("2026-01-01T10:00:00Z"), now: new Date("2026-01-01T10:00:01Z") };

function file(path: string, content: string, kind: FileChange["kind"] = "modify"): FileChange {
  return {
    path,
    kind,
    hash: createHash("sha256").update(content).digest("hex"),
    size: Buffer.byteLength(content),
    content,
  };
}

/** The jobs the admission makes of the built events (the shared router). */
function jobsOf(built: BuiltChangeSet) {
  return built.events.flatMap((e) => routeEvent(e, config, at.now));
}

function set(...changes: FileChange[]): WatchedChanges {
  return { source: "docs", root: join(tmpdir(), "docs"), changes };
}

describe("buildChangeSet", () => {
  it("makes one event, routed to one job per matching handler, each with only the files it watches", () => {
    const built = buildChangeSet(set(file("a.md", "# A"), file("b.py", "print()")), config, at);
    assert.equal(built.files, 2);
    assert.deepEqual(
      jobsOf(built).map((j) => j.handler),
      ["summarize"],
    );
    const both = buildChangeSet({ ...set(file("a.md", "# A")), source: "docs-md" }, config, at);
    assert.deepEqual(
      jobsOf(both).map((j) => j.handler),
      ["lint"],
    );
    assert.equal(jobsOf(built)[0]!.event.timestamp, "2026-01-01T10:00:00.000Z", "the event time is the change time");
    assert.equal(jobsOf(built)[0]!.enqueued_at, "2026-01-01T10:00:01.000Z");
  });

  it("gives the same job ids for the same paths and contents, whatever the order or time", () => {
    const one = buildChangeSet(set(file("a.md", "1"), file("b.md", "2")), config, at);
    const two = buildChangeSet(set(file("b.md", "2"), file("a.md", "1")), config, {
      changedAt: new Date(),
      now: new Date(),
    });
    assert.deepEqual(
      jobsOf(one).map((j) => j.id),
      jobsOf(two).map((j) => j.id),
    );
    const changed = buildChangeSet(set(file("a.md", "1 changed"), file("b.md", "2")), config, at);
    assert.notEqual(jobsOf(changed)[0]!.id, jobsOf(one)[0]!.id);
  });

  it("drops inlined contents, largest first, to fit the message size, without changing the ids", () => {
    const changes = [file("big.md", "x".repeat(20_000)), file("small.md", "tiny")];
    const full = buildChangeSet(set(...changes), config, at);
    const fitted = buildChangeSet(set(...changes), config, { ...at, maxMessageBytes: 15_000 });
    assert.deepEqual(
      jobsOf(fitted).map((j) => j.id),
      jobsOf(full).map((j) => j.id),
    );
    assert.equal(fitted.contentDropped, 1);
    const sent = jobsOf(fitted)[0]!.event.payload.changes as FileChange[];
    assert.equal(sent.find((c) => c.path === "big.md")!.content, undefined);
    assert.equal(sent.find((c) => c.path === "small.md")!.content, "tiny");
    assert.ok(Buffer.byteLength(jobMessageBody(jobsOf(fitted)[0]!)) <= 15_000);
  });

  it("splits a set too large even without contents into halves, each its own event", () => {
    const changes = Array.from({ length: 200 }, (_, i) =>
      file(`notes/file-${String(i).padStart(3, "0")}.txt`, `n${i}`, "create"),
    );
    const built = buildChangeSet(set(...changes), config, { ...at, maxMessageBytes: 20_000 });
    assert.ok(built.events.length > 1);
    const files = jobsOf(built).flatMap((j) => j.event.payload.files as string[]);
    assert.deepEqual(
      files,
      changes.map((c) => c.path),
      "every file once, in path order",
    );
    for (const j of jobsOf(built)) assert.ok(Buffer.byteLength(jobMessageBody(j)) <= 20_000);
  });
});

describe("jobMessageBody", () => {
  it("escapes the noncharacters SQS refuses, and parses back to the same job", () => {
    const built = buildChangeSet(set(file("odd.txt", "a\uFFFEb\uFFFF")), config, at);
    const body = jobMessageBody(jobsOf(built)[0]!);
    assert.ok(!/[\uFFFE\uFFFF]/.test(body));
    assert.deepEqual(JSON.parse(body), JSON.parse(JSON.stringify(jobsOf(built)[0])));
  });
});
