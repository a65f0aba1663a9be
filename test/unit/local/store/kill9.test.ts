import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { openLocalStore } from "../../../../local/store/local-store.ts";
import { config, tempDir } from "./store-fixtures.ts";

const child = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

describe("kill -9 while submitting", () => {
  it("loses no acknowledged job", async () => {
    const dir = tempDir();
    const proc = spawn(process.execPath, ["--import", "tsx", child, dir], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acked: string[] = [];
    let stderr = "";
    proc.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on("exit", (_code, sig) => resolve(sig)));
    let buffered = "";
    proc.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("acked ")) acked.push(line.slice(6));
        // Killed mid-stream: submits are in flight, a batch may be half written.
        if (acked.length === 200 && !proc.killed) proc.kill("SIGKILL");
      }
    });
    const signal = await exited;
    assert.equal(signal, "SIGKILL", `the child ended by itself: ${stderr}`);
    assert.ok(acked.length >= 200);
    const store = openLocalStore({ dir, config: config() });
    try {
      const missing = acked.filter((id) => store.getJob(id)?.state !== "PENDING");
      assert.deepEqual(missing, [], "every acknowledged job is in the reopened store");
      assert.ok(store.depth() >= acked.length);
    } finally {
      await store.close();
    }
  });
});
