/**
 * The bridge through queue outages: the endpoint stops while change sets are made, they are spooled
 * and arrive in order, once, when it is back; a bridge killed with -9 while spooling loses nothing
 * when restarted (the change it was debouncing comes back through the catch-up scan); SIGTERM
 * flushes a change set still in its debounce window.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  drainJobs,
  filesOf,
  makeWorkspace,
  receiveJobs,
  spawnBridge,
  startStoppableSqs,
  type BridgeProcess,
  type StoppableSqs,
} from "./helpers.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));

describe("evd bridge: queue outages", () => {
  let sqs: StoppableSqs;
  const children: BridgeProcess[] = [];

  before(async () => {
    sqs = await startStoppableSqs();
  });

  after(async () => {
    for (const b of children) if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill("SIGKILL");
    await sqs.close();
  });

  function bridgeArgs(configPath: string, queueUrl: string, spoolDir: string): string[] {
    return [
      "--config",
      configPath,
      "--queue-url",
      queueUrl,
      "--endpoint",
      sqs.endpoint,
      "--spool-dir",
      spoolDir,
      "--retry-max-ms",
      "1000",
    ];
  }

  it("spools 5 change sets while the endpoint is down and sends them all, in order, once, when it is back", async () => {
    const queueUrl = await sqs.createQueue("bridge-outage");
    const ws = await makeWorkspace({ debounceMs: 200 });
    const bridge = spawnBridge(bridgeArgs(ws.configPath, queueUrl, ws.spoolDir), repo);
    children.push(bridge);
    await bridge.waitFor(/^bridge: ready$/);

    await sqs.stop();
    for (let i = 1; i <= 5; i++) {
      await writeFile(join(ws.watched, `change-${i}.txt`), `change ${i}\n`);
      await bridge.waitFor(new RegExp(`^spooling: ${i} change sets? pending`));
    }
    const status = bridge.lines.filter((l) => l.startsWith("spooling: 5 change sets pending"))[0]!;
    assert.match(
      status,
      /^spooling: 5 change sets pending, queue unreachable \(ECONNREFUSED\), next try in \d+(\.\d)?s$/,
    );
    assert.equal((await readdir(join(ws.spoolDir, "pending"))).length, 5, "five change sets on disk");

    await sqs.start();
    const jobs = await receiveJobs(sqs.client, queueUrl, 5);
    assert.deepEqual(
      jobs.map(filesOf),
      [1, 2, 3, 4, 5].map((i) => [`change-${i}.txt`]),
      "all five, in order",
    );
    assert.equal(new Set(jobs.map((j) => j.id)).size, 5);
    await bridge.waitForCount(/^sent: /, 5);
    assert.deepEqual(await drainJobs(sqs.client, queueUrl), [], "each sent once");
    assert.deepEqual(await readdir(join(ws.spoolDir, "pending")), []);

    bridge.child.kill("SIGTERM");
    assert.equal(await bridge.exited, 0);
  });

  it("loses nothing when killed with -9 while spooling (nor the change in its debounce window), and flushes a pending change on SIGTERM", async () => {
    const queueUrl = await sqs.createQueue("bridge-kill");
    const ws = await makeWorkspace({ debounceMs: 200 });
    await sqs.stop();
    const first = spawnBridge(bridgeArgs(ws.configPath, queueUrl, ws.spoolDir), repo);
    children.push(first);
    await first.waitFor(/^bridge: ready$/);
    for (let i = 1; i <= 3; i++) {
      await writeFile(join(ws.watched, `draft-${i}.md`), `draft ${i}\n`);
      await first.waitFor(new RegExp(`^spooling: ${i} change sets? pending`));
    }
    // Killed inside the debounce window of a 4th change: the watcher never reported it.
    await writeFile(join(ws.watched, "draft-4.md"), "draft 4\n");
    first.child.kill("SIGKILL");
    await first.exited;
    assert.equal(first.child.signalCode, "SIGKILL");

    // Back up with a long debounce, so the SIGTERM below lands inside a debounce window.
    await sqs.start();
    const config = await readFile(ws.configPath, "utf8");
    await writeFile(ws.configPath, config.replace("debounce_ms: 200", "debounce_ms: 60000"));
    const second = spawnBridge(bridgeArgs(ws.configPath, queueUrl, ws.spoolDir), repo);
    children.push(second);
    // draft-4 comes back through the catch-up scan (or, had the kill come after its debounce, from the spool).
    const resending = await second.waitFor(/^resending: \d+ change sets spooled by an earlier run$/);
    if (resending.startsWith("resending: 3 "))
      await second.waitFor(/^catch-up: 1 file \(docs\) changed while the bridge was not running$/);
    else assert.equal(resending, "resending: 4 change sets spooled by an earlier run");
    const jobs = await receiveJobs(sqs.client, queueUrl, 4);
    assert.deepEqual(
      jobs.map(filesOf),
      [1, 2, 3, 4].map((i) => [`draft-${i}.md`]),
      "the 3 spooled, then the one the kill interrupted",
    );
    await second.waitForCount(/^sent: /, 4);
    await second.waitFor(/^bridge: ready$/);

    await writeFile(join(ws.watched, "late.md"), "written just before stop\n");
    // Give the watcher a moment to see the write (it then waits out the 60 s debounce).
    await new Promise((r) => setTimeout(r, 1500));
    second.child.kill("SIGTERM");
    assert.equal(await second.exited, 0);
    const [late] = await receiveJobs(sqs.client, queueUrl, 1);
    assert.ok(late, "the debounced change was sent at stop");
    assert.deepEqual(filesOf(late), ["late.md"]);
    assert.ok(second.lines.includes("bridge: stopped, nothing left to send"), second.lines.join("\n"));
    assert.deepEqual(await drainJobs(sqs.client, queueUrl), []);
  });
});
