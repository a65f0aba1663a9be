/**
 * One daemon per state folder (issue 13 item 4). Before the fix a second daemon on the same
 * folder re-queued the first one's running jobs (three ran twice), took over admin.json, and one
 * that then failed with EADDRINUSE had already run recovery on the live store. Now the folder's OS
 * lock is taken before anything else: the second daemon is refused naming the running one, and
 * changes nothing; the lock goes with the process, even on kill -9.
 */
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { signHmacSha256 } from "../../shared/signatures/sign.ts";
import {
  post,
  runCli,
  startDaemonProcess,
  gatedWorkConfig,
  startGate,
  tempDir,
  writeConfig,
  type DaemonProcess,
  type Gate,
} from "../e2e/helpers/daemon-process.ts";
import { waitFor } from "../harness/wait-for.ts";

const SECRET = "lock-secret-0123456789";
const RUNNING = 3;

function config(gate: Gate, port = 0): string {
  return gatedWorkConfig(gate, {
    secret: SECRET,
    append: { path: "effects.log", content: "{payload.n}\n" },
    maxConcurrentHandlers: RUNNING,
    port,
  });
}

function snapshot(file: string): { text: string; mtimeMs: number } {
  return { text: readFileSync(file, "utf8"), mtimeMs: statSync(file).mtimeMs };
}

describe("reliability: one daemon per state folder", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let gate: Gate;
  let first: DaemonProcess;
  let configPath = "";
  before(async () => {
    tmp = await tempDir("lock");
    gate = await startGate({ allow: 0 });
    configPath = await writeConfig(tmp.dir, "evd.yaml", config(gate));
    first = await startDaemonProcess({ configPath, args: ["--pid-file", "first.pid"], cwd: tmp.dir });
  });
  after(async () => {
    await gate.close();
    await first.stop();
    await tmp.cleanup();
  });

  it("refuses a second daemon on the same folder, naming the first, touching nothing; the first's jobs run once", async () => {
    for (let n = 0; n < RUNNING; n++) {
      const body = JSON.stringify({ n });
      const r = await post(`${first.url}/hooks/work`, body, { "x-signature": signHmacSha256(SECRET, body) });
      assert.equal(r.status, 202);
    }
    await waitFor(() => gate.held() === RUNNING, `${RUNNING} jobs running (held at the gate)`);
    const admin = snapshot(join(first.stateDir, "admin.json"));
    const pid = snapshot(join(tmp.dir, "first.pid"));

    // The same config (same port: it would fail EADDRINUSE after recovery, before the fix), the
    // same pid file, another pid file, and the background launcher: all refused at once.
    const sameConfig = await writeConfig(tmp.dir, "same-port.yaml", config(gate, Number(new URL(first.url!).port)));
    for (const args of [
      ["daemon", "--config", sameConfig, "--pid-file", "first.pid"],
      ["daemon", "--config", configPath, "--pid-file", "second.pid"],
      ["daemon", "--config", configPath, "--background", "--pid-file", "third.pid"],
    ]) {
      const second = await runCli(args, { cwd: tmp.dir });
      assert.equal(second.code, 1, `${args.join(" ")}: ${second.stdout}${second.stderr}`);
      assert.match(second.stderr, /already running on the state folder/, second.stderr);
      assert.match(second.stderr, new RegExp(`pid ${first.proc.pid}\\b`));
      assert.ok(second.stderr.includes(first.url!), `names the running daemon's webhook address: ${second.stderr}`);
      assert.match(second.stderr, /admin API 127\.0\.0\.1:\d+/);
    }
    assert.deepEqual(snapshot(join(first.stateDir, "admin.json")), admin, "admin.json untouched");
    assert.deepEqual(snapshot(join(tmp.dir, "first.pid")), pid, "the pid file untouched");
    for (const f of ["second.pid", "third.pid"]) assert.throws(() => statSync(join(tmp.dir, f)), `${f} never written`);

    // The first daemon still runs its jobs: none was taken for an interrupted one.
    const status = await first.admin.call<{ running: string[]; counts: Record<string, number> }>("GET", "/status");
    assert.equal(status.running.length, RUNNING);
    assert.equal(status.counts.RUNNING, RUNNING);
    gate.open();
    await waitFor(async () => {
      const s = await first.admin.call<{ counts: Record<string, number> }>("GET", "/status");
      return s.counts.COMPLETED === RUNNING;
    }, "the held jobs to complete");
    const effects = readFileSync(join(tmp.dir, "effects.log"), "utf8").split("\n").filter(Boolean);
    assert.deepEqual(effects.sort(), ["0", "1", "2"], "each ran exactly once");
    assert.equal(gate.served(), RUNNING);
  });

  it("the OS drops the lock when the holder is killed: a new daemon starts on the folder", async () => {
    await first.kill9();
    first = await startDaemonProcess({ configPath, cwd: tmp.dir });
    assert.ok(await first.admin.call("GET", "/status"));
  });
});
