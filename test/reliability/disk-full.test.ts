/**
 * A full disk (issue 13 item 7), on a size-limited folder: a tmpfs of 16 MiB mounted for the test
 * where the machine allows it (root), otherwise an injected SQLITE_FULL at the store's commit.
 * While the disk is full, webhooks get 503 and /healthz says why; a job whose run finished meanwhile
 * is not lost nor left RUNNING until a restart (to run again): its outcome is written as soon as
 * space returns, and the daemon takes webhooks again, all without a restart.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "../../shared/logging/logger.ts";
import { signHmacSha256 } from "../../shared/signatures/sign.ts";
import { startDaemon, type RunningDaemon } from "../../local/daemon/daemon.ts";
import { gatedWorkConfig, post, startGate, type Gate } from "../e2e/helpers/daemon-process.ts";
import { waitFor } from "../harness/wait-for.ts";

const SECRET = "disk-full-secret-0123456789";

/** A 16 MiB tmpfs at `dir`, or false when this machine does not let the test mount one. */
function mountSmallDisk(dir: string): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Fills the disk under `dir` with one file until the kernel says ENOSPC; returns the file. */
function fillDisk(dir: string): string {
  const file = join(dir, "filler.bin");
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, "ENOSPC");
  } finally {
    closeSync(fd);
  }
  // The last partial chunks too: not one byte left.
  const small = openSync(file, "a");
  try {
    for (;;) writeSync(small, Buffer.alloc(512, 1));
  } catch {
    // full
  } finally {
    closeSync(small);
  }
  return file;
}

describe("reliability: a full disk", () => {
  const base = mkdtempSync(join(tmpdir(), "evd-diskfull-"));
  const stateDir = join(base, "state");
  let mounted = false;
  /** The injected fault, where no small disk could be mounted. */
  let injectFull = false;
  let gate: Gate;
  let daemon: RunningDaemon;

  before(async () => {
    mkdirSync(stateDir);
    mounted = mountSmallDisk(stateDir);
    gate = await startGate({ allow: 0 });
    const configPath = join(base, "evd.yaml");
    writeFileSync(
      configPath,
      gatedWorkConfig(gate, { secret: SECRET, append: { path: "effects.log", content: "{payload.n}\n" } }),
    );
    daemon = await startDaemon({
      configPath,
      env: {},
      logger: silentLogger,
      print: () => {},
      stopTimeoutMs: 2000,
      ...(mounted
        ? {}
        : {
            testStoreWriteFault: () => {
              if (injectFull) throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
            },
          }),
    });
  });
  after(async () => {
    await gate?.close();
    await daemon?.stop();
    if (mounted) execFileSync("umount", ["-l", stateDir]);
    rmSync(base, { recursive: true, force: true });
  });

  const send = (n: number) => {
    const body = JSON.stringify({ n });
    return post(`${daemon.webhook!.url}/hooks/work`, body, { "x-signature": signHmacSha256(SECRET, body) });
  };
  const health = async () => {
    const res = await fetch(`${daemon.webhook!.url}/healthz`);
    return { status: res.status, body: (await res.json()) as { status: string; store?: { state: string } } };
  };
  const effects = () => {
    try {
      return readFileSync(join(base, "effects.log"), "utf8").split("\n").filter(Boolean);
    } catch {
      return [];
    }
  };

  it("503 while full, the finished job recorded once space returns, no restart", async () => {
    process.stdout.write(
      `# disk full: ${mounted ? "a 16 MiB tmpfs, filled" : "an injected SQLITE_FULL (no mount here)"}\n`,
    );
    // Job 1 starts and is held mid-run at the gate.
    const first = await send(1);
    assert.equal(first.status, 202);
    await waitFor(() => gate.held() === 1, "job 1 to be running");

    // The disk fills up.
    const filler = mounted ? fillDisk(stateDir) : undefined;
    injectFull = true;
    const refused = await send(2);
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error, "queue_unavailable");
    const sick = await health();
    assert.equal(sick.status, 503);
    assert.equal(sick.body.store?.state, "disk_full");

    // Job 1's run ends while the disk is full: its outcome cannot be written yet.
    gate.open();
    await waitFor(() => effects().includes("1"), "job 1's side effect");
    const stuck = daemon.counts();
    assert.equal(stuck.COMPLETED ?? 0, 0, "nothing could be recorded on a full disk");

    // Space returns: without a restart, job 1 is recorded COMPLETED, and webhooks are taken again.
    if (filler) rmSync(filler);
    injectFull = false;
    await waitFor(() => daemon.counts().COMPLETED === 1, "job 1's outcome to be written once space returned", 30_000);
    assert.equal(daemon.counts().RUNNING, 0);
    await waitFor(async () => (await health()).status === 200, "/healthz to recover");
    const third = await send(3);
    assert.equal(third.status, 202, JSON.stringify(third.body));
    await waitFor(() => daemon.counts().COMPLETED === 2, "job 3 to run");
    // Each accepted job ran once; the refused one never.
    assert.deepEqual(effects().sort(), ["1", "3"]);
  });
});
