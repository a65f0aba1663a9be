/**
 * No user-facing command prints a runtime warning the user can do nothing about: the AWS SDK's
 * "releases after January 2027 need Node 22" on Node 20, Node's deprecation of `module.register()`
 * (tsx's loader) on newer Nodes, experimental or punycode warnings from dependencies. CI runs this
 * file on every Node version it tests, so a warning that one version prints fails there.
 * The suite runner sets NODE_NO_WARNINGS=1 for every test; these children run without it.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  history,
  runCli,
  startDaemonProcess,
  tempDir,
  waitFor,
  writeConfig,
  type CliResult,
  type DaemonProcess,
} from "./helpers/daemon-process.ts";

/** Warnings as Node prints them: `(node:123) Warning: ...`, `(node:123) [DEP0205] DeprecationWarning: ...`. */
const NODE_WARNING = /^\(node:\d+\) (?:\[[A-Z0-9_]+\] )?\w*Warning\b.*$/m;
/** What the user's shell would have: warnings on, no opt-out of the SDK's own warning. */
const WARNINGS_ON = { NODE_NO_WARNINGS: "0" };
delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;

function assertNoWarning(what: string, stderr: string): void {
  const found = NODE_WARNING.exec(stderr);
  assert.equal(found, null, `${what} printed a runtime warning on Node ${process.version}:\n${stderr}`);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const DAEMON_CONFIG = `
sources:
  - type: webhook
    path: /hooks/deploy
    secret: s3cret
    handler: h
  - type: schedule
    cron: "0 3 * * *"
    handler: h
  - type: file_change
    path: ./watched
    handler: h
  - type: manual
    handler: h
handlers:
  h:
    steps:
      - prompt: "ran for {event.id}"
webhook_port: 0
state_file: state/event-state.json
`;

describe(`e2e: no runtime warnings from evd commands (Node ${process.version})`, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let configPath = "";
  let daemon: DaemonProcess | undefined;

  before(async () => {
    tmp = await tempDir("warnings");
    await mkdir(join(tmp.dir, "watched"));
    configPath = await writeConfig(tmp.dir, "evd.yaml", DAEMON_CONFIG);
  });
  after(async () => {
    await daemon?.stop();
    await tmp.cleanup();
  });

  it("evd --help, validate, schema and a one-shot event", async () => {
    const runs: [string, Promise<CliResult>][] = [
      ["evd --help", runCli(["--help"], { env: WARNINGS_ON })],
      ["evd validate", runCli(["validate", "--config", "examples/webhook-integration.yaml"], { env: WARNINGS_ON })],
      ["evd schema", runCli(["schema"], { env: WARNINGS_ON })],
      [
        "evd event",
        runCli(
          [
            "event",
            "--type",
            "webhook",
            "--payload",
            '{"environment":"production","version":"1.2.3"}',
            "--config",
            "examples/webhook-integration.yaml",
          ],
          { env: WARNINGS_ON },
        ),
      ],
    ];
    for (const [what, run] of runs) {
      const r = await run;
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      assertNoWarning(what, r.stderr);
    }
  });

  it("evd cloud status, which builds AWS SDK clients (an unreachable endpoint: the call fails, quietly)", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCli(["cloud", "status", "--stack", "EvdNowhere"], {
      env: {
        ...WARNINGS_ON,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "not-a-secret",
        AWS_ENDPOINT_URL: endpoint,
        AWS_MAX_ATTEMPTS: "1",
      },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /evd cloud: reading the outputs of stack "EvdNowhere" failed: .*ECONNREFUSED/);
    assertNoWarning("evd cloud status", r.stderr);
  });

  it("evd daemon with webhook, schedule, file and manual sources, a triggered run, and its stop", async () => {
    daemon = await startDaemonProcess({ configPath, env: WARNINGS_ON });
    const trigger = await runCli(["daemon", "trigger", "--handler", "h", "--config", configPath], {
      env: WARNINGS_ON,
    });
    assert.equal(trigger.code, 0, trigger.stderr);
    assertNoWarning("evd daemon trigger", trigger.stderr);
    await waitFor(async () => ((await history(daemon!)).length > 0 ? true : undefined), "the triggered run");
    const h = await runCli(["daemon", "history", "--json", "--config", configPath], { env: WARNINGS_ON });
    assert.equal(h.code, 0, h.stderr);
    assertNoWarning("evd daemon history", h.stderr);
    assert.equal((JSON.parse(h.stdout) as { success: boolean }[])[0]!.success, true);
    assert.equal(await daemon.stop(), 0);
    assertNoWarning("evd daemon", daemon.stderr());
  });
});
