/**
 * Pausing a schedule from the dashboard really stops its firings, and resuming brings them back
 * (the daemon on a test clock: a cron minute per real second); a webhook source the storm breaker
 * paused is resumed from the dashboard. The dashboard is driven over its HTTP API with a session
 * from `POST /ui-login`, as `evd daemon ui` gets one.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signHmacSha256 } from "../../shared/signatures/sign.ts";
import { startDaemonProcess, tempDir, waitFor, writeConfig, type DaemonProcess } from "./helpers/daemon-process.ts";

interface Source {
  name: string;
  state: string;
  paused: boolean;
  paused_by?: string;
  pausable: boolean;
  events?: number;
}

describe("e2e: a schedule paused from the dashboard", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let daemon: DaemonProcess;
  let origin = "";
  let cookie = "";

  const api = async <T>(method: "GET" | "POST", path: string): Promise<T> => {
    const res = await fetch(`${origin}/ui/api/${path}`, {
      method,
      headers: { cookie, ...(method === "POST" ? { origin, "content-type": "application/json" } : {}) },
      ...(method === "POST" ? { body: "{}" } : {}),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as T;
  };
  const tick = async () => (await api<Source[]>("GET", "sources")).find((s) => s.name === "tick")!;
  const nextFire = async () =>
    (await daemon.admin.call<{ sources: { name: string; next_fire_time?: string }[] }>("GET", "/status")).sources.find(
      (s) => s.name === "tick",
    )!.next_fire_time!;

  before(async () => {
    tmp = await tempDir("dashboard-pause");
    const configPath = await writeConfig(
      tmp.dir,
      "evd.yaml",
      `
sources:
  - name: tick
    type: schedule
    cron: "* * * * *"
    handler: note
  - name: alerts
    type: webhook
    path: /hooks/alerts
    secret: storm-secret
    handler: note
handlers:
  note:
    prompt: "tick {event.timestamp}"
persist_last_run: false
webhook_port: 0
guardrails:
  storm:
    max_events: 2
    window_seconds: 600
state_file: state/event-state.json
`,
    );
    daemon = await startDaemonProcess({ configPath, cwd: tmp.dir, env: { EVD_TEST_CLOCK_SPEED: "60" } });
    const { url } = await daemon.admin.call<{ url: string }>("POST", "/ui-login");
    origin = new URL(url).origin;
    const login = await fetch(url, { redirect: "manual" });
    cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  });
  after(async () => {
    await daemon?.stop();
    await tmp?.cleanup();
  });

  it("skips the firings while paused and fires again once resumed", async () => {
    await waitFor(async () => ((await tick()).events ?? 0) >= 1, "a first firing");
    const paused = await api<Source>("POST", "sources/tick/pause");
    assert.deepEqual([paused.paused, paused.state], [true, "paused"]);
    const countAtPause = (await tick()).events ?? 0;
    // Two slots go by (the scheduler moves on to the next one after each skipped firing).
    const firstSlot = await nextFire();
    await waitFor(async () => Date.parse(await nextFire()) >= Date.parse(firstSlot) + 2 * 60_000, "two skipped slots");
    assert.ok(((await tick()).events ?? 0) <= countAtPause + 1, "at most the firing already under way at the pause");
    const skipped = (await tick()).events ?? 0;
    assert.match(daemon.stderr(), /schedule paused: this firing is skipped/);

    const resumed = await api<Source>("POST", "sources/tick/resume");
    assert.equal(resumed.paused, false);
    await waitFor(async () => ((await tick()).events ?? 0) > skipped, "a firing after resuming");
  });

  it("resumes a webhook source the storm breaker paused", async () => {
    const send = (n: number) => {
      const body = JSON.stringify({ alert: n });
      return fetch(`${daemon.url}/hooks/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-signature": signHmacSha256("storm-secret", body) },
        body,
      });
    };
    const alerts = async () => (await api<Source[]>("GET", "sources")).find((s) => s.name === "alerts")!;
    for (const n of [1, 2, 3]) await send(n);
    const tripped = await waitFor(async () => {
      const s = await alerts();
      return s.paused && s;
    }, "the breaker to pause the flooding source");
    assert.deepEqual([tripped.paused_by, tripped.pausable], ["storm breaker", true]);
    assert.notEqual((await send(4)).status, 202, "a paused source takes no more events");
    const resumed = await api<Source>("POST", "sources/alerts/resume");
    assert.equal(resumed.paused, false);
    assert.equal((await send(5)).status, 202);
  });
});
