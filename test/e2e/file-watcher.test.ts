/**
 * A burst of 20 file writes within the debounce window becomes ONE file_change event listing all
 * 20 files; only the selected source types start (`--sources file_change`).
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  history,
  startDaemonProcess,
  tempDir,
  waitFor,
  writeConfig,
  type DaemonProcess,
} from "./helpers/daemon-process.ts";

const CONFIG = `
sources:
  - type: file_change
    path: ./src
    pattern: "**/*.txt"
    events: [create, modify]
    debounce_ms: 1500
    handler: on-change
  - type: webhook
    path: /hooks/unused
    secret: not-started
    handler: on-change
handlers:
  on-change:
    steps:
      - prompt: "Changed files: {files}"
webhook_port: 0
state_file: state/event-state.json
`;

describe("e2e: file watcher", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let daemon: DaemonProcess;

  before(async () => {
    tmp = await tempDir("watch");
    await mkdir(join(tmp.dir, "src", "sub"), { recursive: true });
    const configPath = await writeConfig(tmp.dir, "evd.yaml", CONFIG);
    daemon = await startDaemonProcess({ configPath, args: ["--sources", "file_change"] });
  });
  after(async () => {
    await daemon?.stop();
    await tmp.cleanup();
  });

  it("starts only the selected source types", async () => {
    assert.equal(daemon.url, undefined);
    const status = await daemon.admin.call<{ sources: { type: string; state: string }[] }>("GET", "/status");
    assert.deepEqual(
      status.sources.map((s) => `${s.type}:${s.state}`),
      ["file_change:started", "webhook:not selected"],
    );
  });

  it("turns 20 files written within the debounce window into one event listing all 20", async () => {
    const names = Array.from({ length: 20 }, (_, i) => (i % 2 ? `sub/file-${i}.txt` : `file-${i}.txt`));
    await Promise.all(names.map((n, i) => writeFile(join(tmp.dir, "src", n), `content ${i}\n`)));
    // Editor droppings next to them are ignored.
    await writeFile(join(tmp.dir, "src", ".file-1.txt.swp"), "x");
    await writeFile(join(tmp.dir, "src", "notes.md"), "not matched by the pattern");
    const runs = await waitFor(async () => {
      const h = await history(daemon);
      return h.length > 0 ? h : undefined;
    }, "the file_change run");
    // A second (split) event would show up within another debounce window: wait one out.
    await new Promise((r) => setTimeout(r, 2_500));
    const all = await history(daemon);
    assert.equal(all.length, 1, `expected one run, got ${JSON.stringify(all.map((h) => h.event_id))}`);
    assert.equal(runs[0]!.success, true);
    assert.match(runs[0]!.event_id, /^file:[0-9a-f]{64}$/);
    const output = String(runs[0]!.output);
    for (const n of names) assert.ok(output.includes(n), `${n} missing from ${output}`);
    assert.ok(!output.includes("notes.md"));
    assert.ok(!output.includes(".swp"));
  });
});
