/**
 * The dashboard in real headless Chromium against a daemon started as a user starts it: the login
 * link, a webhook's row appearing live and its job page, triggering a handler from the payload
 * editor, redriving a dead letter, pausing a schedule, the charts; and the refusals (no cookie, a
 * foreign Origin, a foreign Host). Screenshots go to test/artifacts/ (EVD_UPDATE_DOCS_SCREENSHOT=1
 * also refreshes docs/dashboard.png, the one the README shows).
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { signHmacSha256 } from "../../shared/signatures/sign.ts";
import { launchChromium } from "../harness/chromium.ts";
import {
  post,
  repoRoot,
  runCli,
  startDaemonProcess,
  tempDir,
  waitFor,
  writeConfig,
  type DaemonProcess,
} from "./helpers/daemon-process.ts";

const ARTIFACTS = join(repoRoot, "test/artifacts");
const SECRET = "dashboard-test-secret";

/** A staged recipe in Amplifier's format: plan, then ship once someone approves. */
const RELEASE_RECIPE = `
name: release
description: Plan a release, then ship it once someone approves
version: "1.0.0"
stages:
  - name: plan
    steps:
      - id: plan
        prompt: "Plan release {{payload.version}}"
        output: plan
  - name: ship
    approval:
      required: true
      when: before_stage
      prompt: "Ship {{payload.version}}?"
    steps:
      - id: ship
        prompt: "Shipped {{payload.version}}"
`;

/** Stands in for a downstream service that fails until it is fixed. */
async function startFlakyService(): Promise<{ host: string; fix(): void; close(): Promise<void> }> {
  let ok = false;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (c: string) => (body += c));
    req.on("end", () => {
      const up = ok && !body.includes("boom");
      res
        .writeHead(up ? 200 : 500, { "content-type": "application/json" })
        .end(up ? '{"ok":true}' : '{"error":"down"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    fix: () => (ok = true),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A page on another origin (another port: same site, so the cookie goes along) that posts to the dashboard. */
async function startForeignPage(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>elsewhere</title><p>elsewhere</p>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A POST with exactly these headers (fetch will not send a Host of our choosing). */
function rawPost(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("e2e: the dashboard in headless Chromium", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let daemon: DaemonProcess;
  let flaky: Awaited<ReturnType<typeof startFlakyService>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let origin = "";
  let cookie = "";

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });

  before(async () => {
    tmp = await tempDir("dashboard");
    await mkdir(ARTIFACTS, { recursive: true });
    flaky = await startFlakyService();
    const configPath = await writeConfig(
      tmp.dir,
      "evd.yaml",
      `
sources:
  - type: webhook
    path: /hooks/demo
    secret: ${SECRET}
    handler: demo
  - type: manual
    handler: demo
  - type: manual
    handler: deliver
  - type: manual
    handler: release
  - name: new-year
    type: schedule
    cron: "0 0 1 1 *"
    handler: demo
handlers:
  demo:
    description: Say what arrived, and keep the answer under out/.
    steps:
      - prompt: "A {event.type} event said: {payload}"
        as: answer
      - tool: tool-filesystem
        action: write
        path: out/demo.md
        content: "{answer}"
  deliver:
    description: Post to a downstream service (down until the test fixes it).
    retry: { max_attempts: 1 }
    steps:
      - tool: tool-http
        action: request
        method: POST
        url: "http://${flaky.host}/deliver"
        body: "{payload}"
  release:
    recipe: recipes/release
tools:
  tool-http:
    allow_hosts: ["${flaky.host}"]
webhook_port: 0
state_file: state/event-state.json
`,
    );
    await mkdir(join(tmp.dir, "recipes"));
    await writeFile(join(tmp.dir, "recipes", "release.yaml"), RELEASE_RECIPE);
    [daemon, browser] = await Promise.all([startDaemonProcess({ configPath, cwd: tmp.dir }), launchChromium()]);
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await daemon?.stop();
    await flaky?.close();
    await tmp?.cleanup();
  });

  it("the start-up link logs in once with an HttpOnly, SameSite=Strict cookie", async () => {
    const link = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/ui\/login\?token=\S+)/.exec(daemon.stdout())?.[1];
    assert.ok(link, daemon.stdout());
    origin = new URL(link).origin;
    await page.goto(link);
    assert.equal(new URL(page.url()).pathname, "/ui/");
    await page.locator("#live[data-state=live]").waitFor();
    const [c] = await context.cookies(`${origin}/ui/`);
    assert.equal(c?.name, "evd_session");
    assert.equal(c?.httpOnly, true);
    assert.equal(c?.sameSite, "Strict");
    cookie = `${c!.name}=${c!.value}`;

    const again = await fetch(link, { redirect: "manual" });
    assert.equal(again.status, 401, "a login link works once");
    const fresh = await runCli(["daemon", "ui", "--config", join(tmp.dir, "evd.yaml")], { cwd: tmp.dir });
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout.trim(), new RegExp(`^${origin}/ui/login\\?token=`));
  });

  it("a webhook sent while the page is open appears live, and its job page shows payload and steps", async () => {
    await page.goto(`${origin}/ui/#/jobs`);
    await page.locator("#live[data-state=live]").waitFor();
    const body = JSON.stringify({ hello: "from the test", n: 7 });
    const r = await post(`${daemon.url}/hooks/demo`, body, { "x-signature": signHmacSha256(SECRET, body) });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const jobId = (r.body.jobs as string[])[0]!;
    const row = page.locator(`#jobs tr[data-job-id="${jobId}"][data-status=succeeded]`);
    await row.waitFor({ timeout: 30_000 });
    await shot("jobs");
    await row.click();
    await page.locator("#payload").waitFor();
    assert.match(await page.locator("#payload").innerText(), /from the test/);
    const prompt = page.locator('details.step[data-step="steps[0]"]');
    await prompt.locator("summary").click();
    assert.match(await prompt.locator(".step-input").innerText(), /A webhook event said: \{/);
    assert.match(
      await page.locator('details.step[data-step="steps[1]"] summary').innerText(),
      /tool-filesystem\.write/,
    );
    await shot("job");

    // The event's trace: the job's span and one per step, as a tree on a timeline.
    await page.locator("#trace-link").click();
    await page.locator('#trace tr[data-span="job demo"]').waitFor({ timeout: 30_000 });
    assert.ok((await page.locator("#trace tbody tr").count()) >= 3, await page.locator("#trace").innerText());
    await shot("trace");
    await page.goBack();
    await page.locator("#replay").waitFor();

    // Replay: the same event runs again as a new job, and the page moves to it.
    await page.locator("#replay").click();
    const replay = `${jobId}#replay-1`;
    await page.waitForURL((u) => decodeURIComponent(u.hash) === `#/job/${replay}`);
    await page.locator("h2 .badge[data-status=succeeded]").waitFor({ timeout: 30_000 });
    assert.match(await page.locator("#payload").innerText(), /from the test/);
    assert.ok((await page.locator("#job").innerText()).includes(`replay of\n${jobId}`));
  });

  it("triggers a handler with a payload typed in the editor (refused while it is not a JSON object)", async () => {
    await page.goto(`${origin}/ui/#/trigger`);
    await page.locator("#trigger-handler").selectOption("demo");
    await page.locator("#payload-editor").fill('{"topic": "release",');
    assert.match(await page.locator("#payload-problem").innerText(), /not JSON/);
    assert.equal(await page.locator("#trigger").isDisabled(), true);
    await page.locator("#payload-editor").fill("[1, 2]");
    assert.match(await page.locator("#payload-problem").innerText(), /JSON object/);
    await page.locator("#payload-editor").fill('{"topic": "release"}');
    await page.locator("#trigger").click();
    const link = page.locator("#trigger-result a");
    await link.waitFor();
    await link.click();
    await page.locator("#job .badge[data-status=succeeded]").first().waitFor({ timeout: 30_000 });
    assert.match(await page.locator("#payload").innerText(), /release/);
  });

  it("redrives a dead letter once its cause is fixed", async () => {
    const t = await daemon.admin.call<{ jobs: string[] }>("POST", "/trigger", {
      handler: "deliver",
      payload: { order: 42 },
    });
    const jobId = t.jobs[0]!;
    await page.goto(`${origin}/ui/#/dead-letters`);
    const row = page.locator(`tr[data-dead-letter="${jobId}"]`);
    await row.waitFor({ timeout: 30_000 });
    assert.match(await row.innerText(), /500/);
    await shot("dead-letters");
    flaky.fix();
    await row.locator("button[data-action=redrive]").click();
    await row.waitFor({ state: "detached" });
    await page.goto(`${origin}/ui/#/job/${encodeURIComponent(jobId)}`);
    await page.locator("h2 .badge[data-status=succeeded]").waitFor({ timeout: 30_000 });
    assert.equal(await page.locator(".run").count(), 2, "the dead run and the redriven run");
  });

  it("approves a recipe stage waiting at its gate (and denies another)", async () => {
    const trigger = async (version: string) =>
      (await daemon.admin.call<{ jobs: string[] }>("POST", "/trigger", { handler: "release", payload: { version } }))
        .jobs[0]!;
    const toShip = await trigger("2.0.0");
    const toDrop = await trigger("2.0.1-rc");
    await page.goto(`${origin}/ui/#/approvals`);
    const card = page.locator(`[data-approval="${toShip}"]`);
    await card.waitFor({ timeout: 30_000 });
    assert.match(await card.innerText(), /Stage "ship"/);
    assert.match(await card.innerText(), /Ship 2\.0\.0\?/);
    await page.locator(`[data-approval="${toDrop}"]`).waitFor({ timeout: 30_000 });
    // The header's counters follow the live feed (polled), which may lag the list just loaded.
    await page.locator("[data-counter=approvals]").filter({ hasText: /2/ }).waitFor({ timeout: 30_000 });
    assert.match(await page.locator("[data-counter=approvals]").innerText(), /2/);
    await shot("approvals");
    await card.locator("button[data-action=approve]").click();
    await card.waitFor({ state: "detached" });
    await page.locator(`[data-approval="${toDrop}"] button[data-action=deny]`).click();
    await page.locator(`[data-approval="${toDrop}"]`).waitFor({ state: "detached" });

    await page.goto(`${origin}/ui/#/job/${encodeURIComponent(toShip)}`);
    await page.locator("h2 .badge[data-status=succeeded]").waitFor({ timeout: 30_000 });
    assert.match(await page.locator(".run").first().innerText(), /approval:ship:approved/);
    await page.goto(`${origin}/ui/#/job/${encodeURIComponent(toDrop)}`);
    await page.locator("h2 .badge[data-status=denied]").waitFor({ timeout: 30_000 });
    assert.match(await page.locator("#job-error").innerText(), /denied at the approval gate of stage "ship"/);
  });

  it("pauses and resumes a schedule", async () => {
    await page.goto(`${origin}/ui/#/sources`);
    const row = page.locator('tr[data-source="new-year"]');
    await row.locator("button[data-action=pause]").click();
    await page.locator('tr[data-source="new-year"][data-paused=true]').waitFor();
    assert.match(await page.locator('tr[data-source="new-year"]').innerText(), /paused/);
    await shot("sources");
    await page.locator('tr[data-source="new-year"] button[data-action=resume]').click();
    await page.locator('tr[data-source="new-year"][data-paused=false]').waitFor();
    const status = await daemon.admin.call<{ sources: { name: string; state: string }[] }>("GET", "/status");
    assert.equal(status.sources.find((s) => s.name === "new-year")?.state, "started");
  });

  it("charts the last hour: jobs per minute, latency percentiles, failures by handler", async () => {
    // A little more traffic, one of it failing for good, so the charts and the screenshot show some.
    for (const n of [1, 2, 3]) {
      const body = JSON.stringify({ order: n, status: "paid" });
      await post(`${daemon.url}/hooks/demo`, body, { "x-signature": signHmacSha256(SECRET, body) });
    }
    await daemon.admin.call("POST", "/trigger", { handler: "deliver", payload: { boom: true } });
    await waitFor(async () => {
      const s = await daemon.admin.call<{ counts: Record<string, number>; queue_depth: number; running: string[] }>(
        "GET",
        "/status",
      );
      return s.counts.DEAD === 1 && s.queue_depth === 0 && s.running.length === 0;
    }, "the extra jobs settled");
    await page.goto(`${origin}/ui/#/charts`);
    await page.locator('[data-chart="failures-by-handler"] svg').waitFor();
    assert.ok((await page.locator('[data-chart="jobs-per-minute"] rect').count()) > 0);
    assert.match(await page.locator('[data-chart="latency-ack"]').innerText(), /4 samples · p50/);
    assert.match(await page.locator('[data-chart="failures-by-handler"]').innerText(), /deliver/);
    await shot("charts");
    await page.goto(`${origin}/ui/#/jobs`);
    await page.reload();
    await page.locator("#jobs tbody tr[data-status=dead]").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png") });
    if (process.env.EVD_UPDATE_DOCS_SCREENSHOT === "1")
      await copyFile(join(ARTIFACTS, "dashboard.png"), join(repoRoot, "docs/dashboard.png"));
  });

  it("refuses a request without the session cookie, from a foreign origin, or to a foreign host", async () => {
    const jobs = `${origin}/ui/api/jobs`;
    assert.equal((await fetch(jobs)).status, 401);
    assert.equal((await fetch(`${origin}/ui/`)).status, 401);
    assert.equal((await fetch(jobs, { headers: { cookie } })).status, 200);
    const trigger = (headers: Record<string, string>) =>
      fetch(`${origin}/ui/api/trigger`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, ...headers },
        body: JSON.stringify({ handler: "demo", payload: {} }),
      });
    assert.equal((await trigger({ origin: "http://evil.example" })).status, 403);
    assert.equal((await trigger({})).status, 403, "no Origin at all");
    const rebound = await rawPost(
      `${origin}/ui/api/trigger`,
      { "content-type": "application/json", cookie, origin, host: "evil.example:80" },
      JSON.stringify({ handler: "demo", payload: {} }),
    );
    assert.equal(rebound, 403, "a DNS-rebound Host");
    assert.equal((await trigger({ origin })).status, 200);

    // In the browser: a page on another port of 127.0.0.1 (same site, so the cookie is sent) is refused.
    const foreign = await startForeignPage();
    try {
      const other = await context.newPage();
      await other.goto(foreign.url);
      const answers = await other.evaluate(async (target) => {
        const body = JSON.stringify({ handler: "demo", payload: { from: "elsewhere" } });
        // A JSON request is preflighted (and the preflight has no cookie); a text/plain one is not,
        // so it reaches the server with the cookie and a foreign Origin.
        const json = await fetch(target, {
          method: "POST",
          credentials: "include",
          headers: { "content-type": "application/json" },
          body,
        }).then(
          (r) => r.status,
          () => "blocked",
        );
        const plain = await fetch(target, { method: "POST", credentials: "include", mode: "no-cors", body }).then(
          (r) => r.type,
          () => "blocked",
        );
        return { json, plain };
      }, `${origin}/ui/api/trigger`);
      assert.equal(answers.json, "blocked");
      assert.equal(answers.plain, "opaque");
      await other.close();
      const fresh = await browser.newContext();
      const stranger = await fresh.newPage();
      const res = await stranger.goto(`${origin}/ui/`);
      assert.equal(res?.status(), 401);
      assert.match(await stranger.locator("h1").innerText(), /not logged in/);
      await fresh.close();
    } finally {
      await foreign.close();
    }
    const history = await daemon.admin.call<{ handler?: string; event_id: string }[]>("GET", "/history?limit=100");
    assert.equal(
      history.filter((h) => JSON.stringify(h).includes("elsewhere")).length,
      0,
      "nothing from the foreign page ran",
    );
  });
});
