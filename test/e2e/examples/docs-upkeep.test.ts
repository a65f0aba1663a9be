/**
 * The spec's docs-upkeep example, run offline: the daemon watches src/*.py; a burst of edits is
 * one debounced event whose run reads the changed files, prompts, and writes docs/api.md.
 */
import assert from "node:assert/strict";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { history, startDaemonProcess, waitFor, type DaemonProcess } from "../helpers/daemon-process.ts";
import { copyExample } from "./example-copy.ts";

describe("example: docs upkeep on file change (examples/docs-upkeep)", () => {
  let example: Awaited<ReturnType<typeof copyExample>>;
  let daemon: DaemonProcess;

  before(async () => {
    example = await copyExample("docs-upkeep");
    daemon = await startDaemonProcess({ configPath: join(example.dir, "evd.yaml"), cwd: example.dir });
  });
  after(async () => {
    await daemon?.stop();
    await example?.cleanup();
  });

  it("a burst of edits to src/*.py is one event: read, prompt, docs/api.md written", async () => {
    const before = await readFile(join(example.dir, "docs/api.md"), "utf8");
    await appendFile(join(example.dir, "src/calculator.py"), '\n\ndef mean(xs):\n    """The mean of xs."""\n');
    await writeFile(join(example.dir, "src/stats.py"), 'def median(xs):\n    """The median of xs."""\n');
    await writeFile(join(example.dir, "src/notes.txt"), "not python: not watched\n");
    const runs = await waitFor(async () => {
      const h = await history(daemon);
      return h.length > 0 && h;
    }, "the update-docs run");
    assert.equal(runs.length, 1, "one debounced event for the burst");
    assert.equal(runs[0]!.status, "succeeded", runs[0]!.error);
    const docs = await readFile(join(example.dir, "docs/api.md"), "utf8");
    assert.notEqual(docs, before);
    assert.match(docs, /These files were modified:/);
    assert.match(docs, /def mean\(xs\)/);
    assert.match(docs, /def median\(xs\)/);
    assert.doesNotMatch(docs, /not python/);
  });
});
