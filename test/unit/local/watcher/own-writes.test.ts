import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { manualEvent } from "../../../../shared/events/manual-event.ts";
import { createOwnWrites } from "../../../../local/watcher/own-writes.ts";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("own writes", () => {
  it("knows a file a job wrote with tool-filesystem, as it left it, with the job's causation", async () => {
    const root = await mkdtemp(join(tmpdir(), "evd-own-"));
    dirs.push(root);
    let now = 1_000;
    const own = createOwnWrites({ fsRoot: root, clock: { now: () => now }, ttlMs: 60_000 });
    const event = manualEvent({ id: "e1", payload: {}, now: new Date(0) });
    const observer = own.observe({ id: "e1#h", handler: "h", event, attempt: 1, enqueued_at: "" });

    await writeFile(join(root, "report.md"), "the report");
    const step = observer.step({ where: "steps[1]", kind: "tool", index: 1, tool: "tool-filesystem", action: "write" });
    step.end({ action: "tool-filesystem.write:report.md", output: { path: "report.md", bytes: 10 } });
    const other = observer.step({ where: "steps[2]", kind: "tool", index: 2, tool: "tool-filesystem", action: "read" });
    other.end({ action: "tool-filesystem.read:x", output: "x" });

    assert.deepEqual(await own.match(join(root, "report.md"), sha("the report")), { depth: 1, caused_by: event.id });
    assert.equal(await own.match(join(root, "report.md"), sha("edited by a person")), undefined);
    assert.equal(await own.match(join(root, "x"), sha("x")), undefined, "reads are not writes");
    now += 60_001;
    assert.equal(await own.match(join(root, "report.md"), sha("the report")), undefined, "forgotten after the TTL");
  });
});
