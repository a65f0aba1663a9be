/**
 * Start-up hygiene (issue 13 item 9): the state folder is private (0700) and the store's files
 * 0600, also when they existed before with looser modes; the banner prints the address really
 * bound (0.0.0.0), with the local URL to try; a signed source whose secret is not set is reported
 * at start (banner, status), not found out by 503s.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, startDaemonProcess, tempDir, writeConfig, type DaemonProcess } from "../e2e/helpers/daemon-process.ts";

const CONFIG = `
sources:
  - type: webhook
    path: /hooks/set
    secret: \${HYGIENE_SET_SECRET}
    handler: h
  - type: webhook
    path: /hooks/unset
    secret: \${HYGIENE_UNSET_SECRET}
    handler: h
handlers:
  h:
    prompt: "hi"
webhook_host: 0.0.0.0
webhook_port: 0
state_file: state/event-state.json
`;

const mode = (path: string) => statSync(path).mode & 0o777;

describe("security: start-up hygiene", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let daemon: DaemonProcess;
  let configPath = "";
  before(async () => {
    tmp = await tempDir("hygiene");
    configPath = await writeConfig(tmp.dir, "evd.yaml", CONFIG);
    // A state folder left world-readable by an older version.
    mkdirSync(join(tmp.dir, "state"));
    chmodSync(join(tmp.dir, "state"), 0o755);
    daemon = await startDaemonProcess({ configPath, env: { HYGIENE_SET_SECRET: "set-secret-0123456789" } });
  });
  after(async () => {
    await daemon.stop();
    await tmp.cleanup();
  });

  it("keeps the state folder 0700 and the store's files 0600", () => {
    assert.equal(mode(daemon.stateDir).toString(8), "700");
    for (const f of ["evd.db", "evd.db-wal", "evd.db-shm", "admin.json", "daemon.json", "daemon.lock"]) {
      const file = join(daemon.stateDir, f);
      assert.ok(existsSync(file), f);
      assert.equal(mode(file).toString(8), "600", f);
    }
  });

  it("prints the address really bound, and a local URL to try", () => {
    const port = new URL(daemon.url!).port;
    assert.match(daemon.stdout(), new RegExp(`listening on http://0\\.0\\.0\\.0:${port} `));
    assert.match(daemon.stdout(), new RegExp(`from this one: http://127\\.0\\.0\\.1:${port}`));
  });

  it("reports an unset secret at start, in the banner and the status, for that source only", async () => {
    assert.match(
      daemon.stdout(),
      /- h-webhook-1 \(webhook -> h\): started, secret \$\{HYGIENE_UNSET_SECRET\} is not set/,
    );
    assert.doesNotMatch(daemon.stdout(), /HYGIENE_SET_SECRET\} is not set/);
    const status = await runCli(["daemon", "status", "--json", "--config", configPath]);
    const sources = (JSON.parse(status.stdout) as { sources: { name: string; error?: string }[] }).sources;
    assert.match(
      sources[1]!.error ?? "",
      /secret \$\{HYGIENE_UNSET_SECRET\} is not set: deliveries to \/hooks\/unset are refused \(503\)/,
    );
    assert.equal(sources[0]!.error, undefined);
  });
});
