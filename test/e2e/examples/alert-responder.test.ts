/**
 * The alert-responder example, run offline: alerts signed with Standard Webhooks; the first firing
 * opens a GitHub issue (a local stand-in), the same alert firing again updates it, another alert
 * opens its own; a wrongly signed alert is refused and opens nothing.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { signStandardWebhook } from "../../../shared/signatures/sign.ts";
import { startFakeGithub, type FakeGithub } from "../../harness/fake-github.ts";
import { history, post, startDaemonProcess, waitFor, type DaemonProcess } from "../helpers/daemon-process.ts";
import { copyExample } from "./example-copy.ts";

const SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const REPO = "acme/ops";

function alert(fingerprint: string, name: string, summary: string) {
  return {
    alert: {
      name,
      fingerprint,
      severity: "critical",
      service: "checkout",
      started_at: "2026-02-03T04:05:06Z",
      summary,
    },
  };
}

describe("example: alert responder (examples/alert-responder)", () => {
  let example: Awaited<ReturnType<typeof copyExample>>;
  let github: FakeGithub;
  let daemon: DaemonProcess;
  let n = 0;

  const fire = async (payload: unknown, secret = SECRET) => {
    const body = JSON.stringify(payload);
    const id = `msg_alert_${++n}`;
    const ts = Math.floor(Date.now() / 1000);
    return post(`${daemon.url}/hooks/alerts`, body, {
      "webhook-id": id,
      "webhook-timestamp": String(ts),
      "webhook-signature": signStandardWebhook(secret, id, ts, body),
    });
  };
  const succeeded = (count: number) =>
    waitFor(async () => {
      const runs = (await history(daemon)).filter((h) => h.status === "succeeded");
      return runs.length >= count && runs;
    }, `${count} investigations`);

  before(async () => {
    [example, github] = await Promise.all([copyExample("alert-responder"), startFakeGithub()]);
    daemon = await startDaemonProcess({
      configPath: join(example.dir, "evd.yaml"),
      cwd: example.dir,
      env: {
        ALERT_WEBHOOK_SECRET: SECRET,
        GITHUB_API_URL: github.url,
        GITHUB_TOKEN: "ghp_alerts",
        ALERT_REPO: REPO,
        EVD_WEBHOOK_PORT: "0",
      },
    });
  });
  after(async () => {
    await daemon?.stop();
    await github?.close();
    await example?.cleanup();
  });

  it("a signed alert opens an issue with the investigation", async () => {
    const r = await fire(alert("disk-db1", "DiskAlmostFull", "/var is 91% full on db-1"));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await succeeded(1);
    const [issue] = github.issues(REPO);
    assert.equal(issue?.title, "[critical] DiskAlmostFull on checkout");
    assert.deepEqual(issue?.labels, ["alert"]);
    assert.match(issue!.body, /## First investigation/);
    assert.match(issue!.body, /You are the on-call engineer/);
    assert.match(issue!.body, /\/var is 91% full on db-1/);
    assert.match(issue!.body, /<!-- evd:alert:disk-db1 -->$/);
  });

  it("the same alert firing again updates that issue; another alert opens its own", async () => {
    const again = await fire(alert("disk-db1", "DiskAlmostFull", "/var is 97% full on db-1"));
    assert.equal(again.status, 202);
    const other = await fire(alert("latency-api", "HighLatency", "p99 over 2 s"));
    assert.equal(other.status, 202);
    await succeeded(3);
    const issues = github.issues(REPO);
    assert.equal(issues.length, 2);
    assert.match(issues[0]!.body, /97% full/);
    assert.doesNotMatch(issues[0]!.body, /91% full/);
    assert.match(issues[0]!.body, new RegExp(`event \`${String(again.body.event_id)}\``));
    assert.equal(issues[1]!.title, "[critical] HighLatency on checkout");
    assert.equal(github.calls.filter((c) => c.method === "PATCH").length, 1);
  });

  it("refuses an alert signed with another secret, and opens nothing", async () => {
    const r = await fire(alert("fake", "Fake", "forged"), `whsec_${randomBytes(24).toString("base64")}`);
    assert.equal(r.status, 401);
    assert.equal(github.issues(REPO).length, 2);
  });
});
