/**
 * The spec's deploy-webhook example, run offline with the spec's own curl command: the real curl
 * binary, the spec's arguments (only the port, the daemon's free one, and the signature, computed
 * for the body, filled in), no Content-Type. Release notes end up appended to CHANGELOG.md.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { signHmacSha256 } from "../../../shared/signatures/sign.ts";
import { history, startDaemonProcess, waitFor, type DaemonProcess } from "../helpers/daemon-process.ts";
import { copyExample } from "./example-copy.ts";

const SECRET = "deploy-webhook-secret";
/** The spec's body, byte for byte. */
const BODY = '{"environment": "production", "version": "1.2.3"}';

function curl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("curl", [...args], (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("example: deploy webhook (examples/deploy-webhook)", () => {
  let example: Awaited<ReturnType<typeof copyExample>>;
  let daemon: DaemonProcess;

  before(async () => {
    example = await copyExample("deploy-webhook");
    daemon = await startDaemonProcess({
      configPath: join(example.dir, "evd.yaml"),
      cwd: example.dir,
      env: { WEBHOOK_SECRET: SECRET, EVD_WEBHOOK_PORT: "0" },
    });
  });
  after(async () => {
    await daemon?.stop();
    await example?.cleanup();
  });

  it("the spec's curl, as written, appends release notes to the changelog", async () => {
    const port = new URL(daemon.url!).port;
    // curl -X POST http://localhost:8080/hooks/deploy \
    //   -H "X-Signature: sha256=..." \
    //   -d '{"environment": "production", "version": "1.2.3"}'
    const sent = await curl([
      "-sS",
      "-X",
      "POST",
      `http://localhost:${port}/hooks/deploy`,
      "-H",
      `X-Signature: ${signHmacSha256(SECRET, BODY)}`,
      "-d",
      BODY,
    ]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal((JSON.parse(sent.stdout) as { status: string }).status, "accepted", sent.stdout);
    const [run] = await waitFor(async () => {
      const h = await history(daemon);
      return h.length > 0 && h;
    }, "the on-deploy run");
    assert.equal(run!.status, "succeeded", run!.error);
    const changelog = await readFile(join(example.dir, "CHANGELOG.md"), "utf8");
    assert.match(changelog, /^# Changelog\n/);
    assert.match(changelog, /\n## 1\.2\.3 \(production\)\n/);
    assert.match(changelog, /Deployment completed:\n- Environment: production\n- Version: 1\.2\.3/);
  });

  it("refuses the same curl with a wrong signature, and nothing is appended", async () => {
    const port = new URL(daemon.url!).port;
    const sent = await curl([
      "-sS",
      "-X",
      "POST",
      `http://localhost:${port}/hooks/deploy`,
      "-H",
      `X-Signature: ${signHmacSha256("not-the-secret", BODY)}`,
      "-d",
      BODY,
    ]);
    assert.match(sent.stdout, /invalid_signature/);
    const changelog = await readFile(join(example.dir, "CHANGELOG.md"), "utf8");
    assert.equal(changelog.match(/## 1\.2\.3/g)?.length, 1);
  });
});
