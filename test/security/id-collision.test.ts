/**
 * Event-id namespace collisions (issue 13 item 1), end to end. GitHub does not sign
 * `X-GitHub-Delivery`: before the fix, a captured signed delivery re-sent with
 * `X-GitHub-Delivery: schedule:<source>:<time>` suppressed that scheduled run, and with
 * `webhook:/hooks/deploy:sha256:<hash>` it made a later genuine deploy webhook answer `duplicate`
 * and never run. Now every id lives in its source's namespace: both still run.
 */
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { post } from "../e2e/helpers/daemon-process.ts";
import { waitFor } from "../harness/wait-for.ts";
import { githubExample } from "../fixtures/github.ts";
import { SECRETS, startHostileDaemon, type HostileDaemon } from "./helpers/hostile-daemon.ts";

const hmac = (secret: string, body: string) => createHmac("sha256", secret).update(body).digest("hex");

function forgedDelivery(deliveryId: string) {
  const body = JSON.stringify(githubExample("push"));
  return {
    body,
    headers: {
      "x-github-event": "push",
      "x-github-delivery": deliveryId,
      "x-hub-signature-256": `sha256=${hmac(SECRETS.GH_SECRET, body)}`,
    },
  };
}

describe("security: event-id collisions across sources", () => {
  let d: HostileDaemon;
  before(async () => {
    // An every-minute schedule on a clock 30x faster: a slot every 2 s.
    d = await startHostileDaemon(
      "collision",
      `  - type: schedule\n    name: nightly\n    cron: "* * * * *"\n    handler: nightly`,
      { EVD_TEST_CLOCK_SPEED: "30" },
    );
  });
  after(() => d.stop());

  it("a delivery id naming a schedule slot does not suppress that scheduled run", async () => {
    const status = await d.daemon.admin.call<{ sources: { name: string; next_fire_time?: string }[] }>(
      "GET",
      "/status",
    );
    const next = Date.parse(status.sources.find((s) => s.name === "nightly")!.next_fire_time!);
    const slots = [next, next + 60_000].map((t) => new Date(t).toISOString());
    for (const slot of slots) {
      const forged = forgedDelivery(`schedule:nightly:${slot}`);
      const r = await post(`${d.daemon.url}/github`, forged.body, forged.headers);
      assert.equal(r.status, 202);
      assert.equal(r.body.status, "accepted");
      assert.equal(r.body.event_id, `github:/github:schedule:nightly:${slot}`);
    }
    const ran = await waitFor(() => {
      const ids = d.effects("nightly");
      return slots.every((s) => ids.includes(`schedule:nightly:${s}`)) ? ids : undefined;
    }, "both forged slots to run on schedule");
    assert.ok(ran.length >= 2);
  });

  it("a delivery id naming a webhook body hash does not make the genuine webhook a duplicate", async () => {
    const genuine = '{"environment":"production","version":"9.9.9"}';
    const bodyId = `webhook:/hooks/deploy:sha256:${createHash("sha256").update(genuine).digest("hex")}`;
    const forged = forgedDelivery(bodyId);
    const r1 = await post(`${d.daemon.url}/github`, forged.body, forged.headers);
    assert.equal(r1.body.status, "accepted");
    const r2 = await post(`${d.daemon.url}/hooks/deploy`, genuine, {
      "x-signature": `sha256=${hmac(SECRETS.DEPLOY_SECRET, genuine)}`,
    });
    assert.equal(r2.status, 202);
    assert.deepEqual(r2.body, { status: "accepted", event_id: bodyId, jobs: [`${bodyId}#deploy`] });
    await waitFor(() => d.effects("deploy").includes(bodyId), "the genuine deploy to run");
  });
});
