/**
 * `max_concurrent_handlers: 3` is never exceeded under 50 simultaneous events, and each
 * `queue_overflow` policy does what the README says: `queue` waits up to `queue_capacity` then
 * answers 429; `error` refuses (429) once every handler slot is taken; `drop` answers 202 "dropped"
 * and records the drop in history. Jobs are held mid-run by the gate while the events arrive.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { signHmacSha256 } from "../../shared/signatures/sign.ts";
import {
  history,
  post,
  startDaemonProcess,
  gatedWorkConfig,
  startGate,
  tempDir,
  waitFor,
  writeConfig,
  type DaemonProcess,
  type Gate,
  type PostResult,
} from "./helpers/daemon-process.ts";

const SECRET = "concurrency-e2e-secret";

function config(gate: Gate, extra: string): string {
  return gatedWorkConfig(gate, { secret: SECRET, maxConcurrentHandlers: 3, extra });
}

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(
  name: string,
  gateOpts: Parameters<typeof startGate>[0],
  extra: string,
): Promise<{ gate: Gate; daemon: DaemonProcess; send: (n: number) => Promise<PostResult> }> {
  const tmp = await tempDir(name);
  cleanups.push(tmp.cleanup);
  const gate = await startGate(gateOpts);
  cleanups.push(() => gate.close());
  const daemon = await startDaemonProcess({ configPath: await writeConfig(tmp.dir, "evd.yaml", config(gate, extra)) });
  cleanups.push(() => daemon.stop());
  const send = (n: number) => {
    const body = JSON.stringify({ n });
    return post(`${daemon.url}/hooks/work`, body, { "x-signature": signHmacSha256(SECRET, body) });
  };
  return { gate, daemon, send };
}

async function sequentially(send: (n: number) => Promise<PostResult>, count: number): Promise<PostResult[]> {
  const out: PostResult[] = [];
  for (let i = 0; i < count; i++) out.push(await send(i));
  return out;
}

describe("e2e: concurrency and overflow", () => {
  it("never runs more than max_concurrent_handlers (3) jobs at once under 50 simultaneous events", async () => {
    const { gate, daemon, send } = await setup("conc", { delayMs: 40 }, "queue_capacity: 1000");
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => send(i)));
    assert.ok(answers.every((a) => a.status === 202 && a.body.status === "accepted"));
    await waitFor(
      async () => (await history(daemon)).filter((h) => h.status === "succeeded").length === 50,
      "50 runs",
      120_000,
    );
    assert.ok(gate.maxInFlight() <= 3, `max in flight was ${gate.maxInFlight()}`);
    assert.equal(gate.maxInFlight(), 3);
  });

  it("queue: waits up to queue_capacity, then answers 429 and enqueues nothing", async () => {
    const { gate, daemon, send } = await setup("queue", { allow: 0 }, "queue_overflow: queue\nqueue_capacity: 5");
    const answers = await sequentially(send, 20);
    const accepted = answers.filter((a) => a.status === 202 && a.body.status === "accepted").length;
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(accepted + refused.length, 20);
    assert.ok(accepted >= 5 && accepted <= 8, `accepted ${accepted}: 5 waiting + up to 3 running`);
    assert.ok(refused.every((r) => typeof r.body.error === "string" && /queue/.test(String(r.body.message))));
    gate.open();
    await waitFor(async () => (await history(daemon)).length === accepted, "the accepted jobs to run", 60_000);
    await new Promise((r) => setTimeout(r, 300));
    const runs = await history(daemon);
    assert.equal(runs.length, accepted);
    assert.ok(runs.every((r) => r.status === "succeeded"));
  });

  it("error: refuses with 429 once every handler slot is taken", async () => {
    const { gate, daemon, send } = await setup("error", { allow: 0 }, "queue_overflow: error");
    const answers = await sequentially(send, 20);
    assert.equal(answers.filter((a) => a.status === 202 && a.body.status === "accepted").length, 3);
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(refused.length, 17);
    assert.ok(refused.every((r) => typeof r.body.error === "string" && typeof r.body.message === "string"));
    gate.open();
    await waitFor(async () => (await history(daemon)).filter((h) => h.status === "succeeded").length === 3, "3 runs");
    assert.equal((await history(daemon)).length, 3);
  });

  it("drop: answers 202 dropped, records event:dropped in history, runs only what fit", async () => {
    const { gate, daemon, send } = await setup("drop", { allow: 0 }, "queue_overflow: drop");
    const answers = await sequentially(send, 20);
    assert.ok(answers.every((a) => a.status === 202));
    assert.equal(answers.filter((a) => a.body.status === "accepted").length, 3);
    const dropped = answers.filter((a) => a.body.status === "dropped");
    assert.equal(dropped.length, 17);
    gate.open();
    await waitFor(async () => (await history(daemon)).filter((h) => h.status === "succeeded").length === 3, "3 runs");
    const runs = await history(daemon);
    assert.equal(runs.filter((h) => h.status === "dropped").length, 17);
    assert.ok(
      runs.filter((h) => h.status === "dropped").every((h) => typeof h.reason === "string" && h.reason.length > 0),
    );
    assert.ok(/event:dropped/.test(daemon.stderr()));
  });
});
