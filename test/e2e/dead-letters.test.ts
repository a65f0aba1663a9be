/**
 * A job that keeps failing ends in the dead-letter store with its error; `evd dlq list` shows it
 * and `evd dlq redrive --all` puts it back in the queue (it runs, and fails, again).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  history,
  runCli,
  startDaemonProcess,
  tempDir,
  waitFor,
  writeConfig,
  type DaemonProcess,
} from "./helpers/daemon-process.ts";

const CONFIG = `
sources:
  - type: manual
    handler: broken
handlers:
  broken:
    retry:
      max_attempts: 2
      initial_delay_ms: 10
    steps:
      - tool: tool-http
        action: request
        url: http://127.0.0.1:9/never
tools:
  tool-http:
    allow_hosts: []
state_file: state/event-state.json
`;

describe("e2e: dead letters", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let daemon: DaemonProcess;
  let configPath = "";
  before(async () => {
    tmp = await tempDir("dlq");
    configPath = await writeConfig(tmp.dir, "evd.yaml", CONFIG);
    daemon = await startDaemonProcess({ configPath });
  });
  after(async () => {
    await daemon?.stop();
    await tmp.cleanup();
  });

  it("lists a dead-lettered job with its error and redrives it", async () => {
    const t = await daemon.admin.call<{ status: string; jobs: string[] }>("POST", "/trigger", { handler: "broken" });
    assert.equal(t.status, "accepted");
    const jobId = t.jobs[0]!;
    await waitFor(
      async () => (await daemon.admin.call<unknown[]>("GET", "/dlq")).length === 1,
      "the job in the dead-letter store",
    );

    const list = await runCli(["dlq", "list", "--json", "--config", configPath]);
    assert.equal(list.code, 0, list.stderr);
    const dead = JSON.parse(list.stdout) as { id: string; lastError?: string }[];
    assert.equal(dead[0]!.id, jobId);
    assert.match(dead[0]!.lastError ?? "", /allow_hosts/);

    const redrive = await runCli(["dlq", "redrive", "--all", "--config", configPath]);
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.match(redrive.stdout, /redriven 1 job/);
    // It runs again (and fails again, into the dead-letter store).
    await waitFor(
      async () => (await history(daemon)).filter((h) => h.job_id === jobId).length >= 2,
      "the redriven run",
    );
    await waitFor(
      async () => (await daemon.admin.call<unknown[]>("GET", "/dlq")).length === 1,
      "the job back in the dead-letter store",
    );
    const bad = await runCli(["dlq", "redrive", "--config", configPath]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--id ID or --all/);
  });
});
