/**
 * The quick start: the daemon on examples/quickstart.yaml prints where it listens and a curl that
 * gets 202; the CLI verbs talk to it; stopped, they say so plainly; background mode with a pid file.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isProcessAlive } from "../../local/daemon/pid-file.ts";
import {
  post,
  repoRoot,
  runCli,
  startDaemonProcess,
  tempDir,
  waitFor,
  type DaemonProcess,
} from "./helpers/daemon-process.ts";

/** Reads the banner's `curl -i -X POST URL -H 'A: b' ... -d 'BODY'` back into a request. */
function parseCurl(line: string): { url: string; headers: Record<string, string>; body: string } {
  const url = /-X POST (\S+)/.exec(line)![1]!;
  const headers: Record<string, string> = {};
  for (const m of line.matchAll(/-H '([^:']+): ([^']*)'/g)) headers[m[1]!.toLowerCase()] = m[2]!;
  const body = /-d '([^']*)'/.exec(line)![1]!;
  return { url, headers, body };
}

describe("e2e: quick start and the CLI verbs", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let configPath = "";
  let daemon: DaemonProcess;

  before(async () => {
    tmp = await tempDir("quickstart");
    const text = await readFile(join(repoRoot, "examples/quickstart.yaml"), "utf8");
    assert.match(text, /webhook_port: 8080/);
    configPath = join(tmp.dir, "quickstart.yaml");
    await writeFile(configPath, text.replace("webhook_port: 8080", "webhook_port: 0"));
  });
  after(async () => {
    await daemon?.stop();
    await tmp.cleanup();
  });

  it("prints where it listens and a curl that gets 202", async () => {
    daemon = await startDaemonProcess({ configPath, cwd: tmp.dir });
    assert.match(daemon.stdout(), /listening on http:\/\/127\.0\.0\.1:\d+/);
    const curl = daemon
      .stdout()
      .split("\n")
      .find((l) => l.trim().startsWith("curl "));
    assert.ok(curl, daemon.stdout());
    const req = parseCurl(curl);
    assert.match(req.headers["x-signature"] ?? "", /^sha256=[0-9a-f]{64}$/);
    const r = await post(req.url, req.body, req.headers);
    assert.equal(r.status, 202);
    assert.equal(r.body.status, "accepted");
    const health = await fetch(`${daemon.url}/healthz`);
    assert.equal(health.status, 200);
    // The demo handler writes its answer next to the config.
    const answer = await waitFor(
      async () => readFile(join(tmp.dir, "out/last-demo.md"), "utf8").catch(() => undefined),
      "out/last-demo.md",
    );
    assert.match(answer, /hello/);
  });

  it("status, trigger, history and state talk to the running daemon", async () => {
    const status = await runCli(["daemon", "status", "--config", configPath, "--json"]);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { sources: { name: string; state: string }[]; webhook_url: string };
    assert.equal(s.webhook_url, daemon.url);
    assert.deepEqual(
      s.sources.map((x) => x.state),
      ["started", "ready"],
    );

    const trigger = await runCli([
      "daemon",
      "trigger",
      "--handler",
      "demo",
      "--payload",
      '{"from":"cli"}',
      "--config",
      configPath,
    ]);
    assert.equal(trigger.code, 0, trigger.stderr);
    assert.equal((JSON.parse(trigger.stdout) as { status: string }).status, "accepted");
    const unknown = await runCli(["daemon", "trigger", "--handler", "nope", "--config", configPath]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown handler "nope"/);

    await waitFor(async () => (await daemon.admin.call<unknown[]>("GET", "/history")).length >= 2, "two runs");
    const hist = await runCli(["daemon", "history", "--limit", "5", "--json", "--config", configPath]);
    assert.equal(hist.code, 0, hist.stderr);
    assert.equal((JSON.parse(hist.stdout) as unknown[]).length, 2);
    const state = await runCli(["daemon", "state", "--json", "--config", configPath]);
    assert.equal(state.code, 0, state.stderr);
    const st = JSON.parse(state.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(st).sort(), ["handler_state", "last_run", "pending_queue", "processed_events"]);
    assert.equal((st.processed_events as string[]).length, 2);

    // Replay re-runs logged events as new jobs (marked as replays, so dedupe does not swallow them).
    const replay = await runCli(["daemon", "replay", "--handler", "demo", "--since", "1h", "--config", configPath]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /replayed 2 job/);
    await waitFor(async () => (await daemon.admin.call<unknown[]>("GET", "/history")).length >= 4, "the replayed runs");
  });

  it("stops on `evd daemon stop`; then the verbs say no daemon runs, and history reads the store", async () => {
    const stop = await runCli(["daemon", "stop", "--config", configPath]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(await daemon.exited, 0);
    const status = await runCli(["daemon", "status", "--config", configPath]);
    assert.equal(status.code, 1);
    assert.match(status.stderr, /no daemon is running/);
    const hist = await runCli(["daemon", "history", "--json", "--config", configPath]);
    assert.equal(hist.code, 0, hist.stderr);
    assert.match(hist.stderr, /reading the store directly/);
    assert.equal((JSON.parse(hist.stdout) as unknown[]).length, 4);
    const dlq = await runCli(["dlq", "list", "--config", configPath]);
    assert.equal(dlq.code, 0, dlq.stderr);
    assert.match(dlq.stdout, /empty/);
  });

  it("runs in the background with a pid file, refuses a second start, stops", async () => {
    const pidFile = join(tmp.dir, "evd.pid");
    const start = await runCli(["daemon", "--config", configPath, "--background", "--pid-file", pidFile], {
      cwd: tmp.dir,
    });
    assert.equal(start.code, 0, start.stderr);
    const pid = Number((await readFile(pidFile, "utf8")).trim());
    assert.ok(isProcessAlive(pid));
    const again = await runCli(["daemon", "--config", configPath, "--background", "--pid-file", pidFile], {
      cwd: tmp.dir,
    });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /running/);
    const stop = await runCli(["daemon", "stop", "--config", configPath]);
    assert.equal(stop.code, 0, stop.stderr);
    await waitFor(() => !isProcessAlive(pid), "the background daemon to exit");
    await assert.rejects(readFile(pidFile, "utf8"));
    assert.match(await readFile(join(tmp.dir, ".amplifier/quickstart/daemon.log"), "utf8"), /evd daemon ready/);
  });
});
