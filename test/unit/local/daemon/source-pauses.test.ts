/** Sources paused from the dashboard: kept across restarts in the state folder; a bad file is a clear error. */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SourcePauses } from "../../../../local/daemon/source-pauses.ts";

describe("source pauses", () => {
  it("persists pauses, so a restart keeps them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "evd-pauses-"));
    try {
      const file = join(dir, "state", "paused-sources.json");
      const pauses = new SourcePauses(file);
      assert.equal(pauses.isPaused("nightly"), false);
      pauses.set("nightly", true);
      pauses.set("docs", true);
      pauses.set("docs", false);
      assert.deepEqual(JSON.parse(await readFile(file, "utf8")), { paused: ["nightly"] });
      const again = new SourcePauses(file);
      assert.equal(again.isPaused("nightly"), true);
      assert.equal(again.isPaused("docs"), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names the file and the way out when it is not what it should be", async () => {
    const dir = await mkdtemp(join(tmpdir(), "evd-pauses-"));
    try {
      const file = join(dir, "paused-sources.json");
      await writeFile(file, "{nope");
      assert.throws(() => new SourcePauses(file), new RegExp(`${file} is not JSON .*delete it to resume every source`));
      await writeFile(file, '{"paused": [1]}');
      assert.throws(() => new SourcePauses(file), /"paused" must be a list of source names/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
