/**
 * kill -9 at random points, over and over (issue 13). Each iteration starts the daemon as a user
 * does, fires a burst of signed webhooks and kills it after a random delay: during intake, during
 * commits, while jobs run. After the last iteration a daemon runs everything left. Then:
 *   - every acknowledged (202 accepted) event ran: no acked job lost;
 *   - a job ran more than once only when a kill interrupted it: its runs never exceed its
 *     attempts (each interrupted run counts one), as documented;
 *   - the store passed its integrity check at every start (the daemon refuses a damaged one).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../shared/config/parse.ts";
import { signHmacSha256 } from "../../shared/signatures/sign.ts";
import { openLocalStore } from "../../local/store/local-store.ts";
import { post, startDaemonProcess, tempDir, writeConfig } from "../e2e/helpers/daemon-process.ts";
import { waitFor } from "../harness/wait-for.ts";
import { prng } from "../security/helpers/config-mutations.ts";

const ITERATIONS = 20;
const BURST = 40;
const SECRET = "kill9-secret-0123456789";
const CONFIG = `
sources:
  - type: webhook
    path: /hooks/work
    secret: ${SECRET}
    handler: work
handlers:
  work:
    # Interrupted runs count as attempts: enough of them that kills never dead-letter a job.
    retry:
      max_attempts: 50
    steps:
      - prompt: "work {payload.n}"
      - tool: tool-filesystem
        action: append
        path: effects.log
        content: "{event.id}\\n"
max_concurrent_handlers: 4
queue_capacity: 100000
webhook_port: 0
state_file: state/event-state.json
`;

describe("reliability: kill -9 at random points", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let configPath = "";
  before(async () => {
    tmp = await tempDir("kill9");
    configPath = await writeConfig(tmp.dir, "evd.yaml", CONFIG);
  });
  after(() => tmp.cleanup());

  it(`${ITERATIONS} kills: every acknowledged job runs, repeats only where a kill interrupted a run`, async () => {
    const rand = prng(9);
    const acked = new Set<string>();
    const killDelays: number[] = [];
    let n = 0;
    let stateDir = "";
    for (let i = 0; i < ITERATIONS; i++) {
      const d = await startDaemonProcess({ configPath });
      stateDir = d.stateDir;
      const url = `${d.url}/hooks/work`;
      const burst = Array.from({ length: BURST }, () => {
        const body = JSON.stringify({ n: n++ });
        return post(url, body, { "x-signature": signHmacSha256(SECRET, body) }).then(
          (r) => (r.status === 202 && r.body.status === "accepted" ? String(r.body.event_id) : undefined),
          () => undefined, // cut off by the kill: not acknowledged, may or may not have been stored
        );
      });
      // The fault itself: a kill after a random delay, whatever the daemon is doing then.
      const delay = Math.floor(rand() * 600);
      killDelays.push(delay);
      await new Promise((r) => setTimeout(r, delay));
      await d.kill9();
      for (const id of await Promise.all(burst)) if (id) acked.add(id);
    }

    // The last daemon runs whatever is left.
    const last = await startDaemonProcess({ configPath });
    await waitFor(
      async () => {
        const s = await last.admin.call<{ queue_depth: number; running: string[]; counts: Record<string, number> }>(
          "GET",
          "/status",
        );
        return s.queue_depth === 0 && s.running.length === 0 && s.counts.RUNNING === 0 && s.counts.FAILED === 0;
      },
      "every job to be settled",
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    assert.equal(await last.stop(), 0);

    const runs = new Map<string, number>();
    for (const line of readFileSync(join(tmp.dir, "effects.log"), "utf8").split("\n").filter(Boolean))
      runs.set(line, (runs.get(line) ?? 0) + 1);
    const lost = [...acked].filter((id) => !runs.has(id));
    assert.deepEqual(lost, [], "every acknowledged event ran");

    const config = parseConfig({ handlers: { work: { prompt: "x" } } }, { where: "kill9", env: {} });
    const store = openLocalStore({ dir: stateDir, config });
    let repeated = 0;
    let maxRuns = 0;
    try {
      assert.equal(store.counts().DEAD, 0, "no job dead-lettered");
      for (const [eventId, count] of runs) {
        const job = store.getJob(`${eventId}#work`);
        assert.ok(job, `a job for ${eventId}`);
        assert.equal(job.state, "COMPLETED");
        assert.ok(count <= job.attempts, `${eventId} ran ${count} times in ${job.attempts} attempt(s)`);
        if (count > 1) repeated++;
        maxRuns = Math.max(maxRuns, count);
      }
    } finally {
      await store.close();
    }
    process.stdout.write(
      `# kill -9: ${ITERATIONS} kills (delays ${Math.min(...killDelays)}-${Math.max(...killDelays)} ms), ${acked.size} of ${n} requests acknowledged, ` +
        `${runs.size} events ran, 0 acked lost, ${repeated} interrupted run(s) repeated (at most ${maxRuns} runs of one job)\n`,
    );
    // Each kill can interrupt at most the 4 runs in progress.
    assert.ok(repeated <= ITERATIONS * 4, `${repeated} repeats for ${ITERATIONS} kills`);
  });
});
