/**
 * `evd cloud ui` against `evd cloud local`, as a user runs them: the pr-review stack running on
 * this machine, the dashboard reading it with the AWS endpoint `evd cloud local` prints, in
 * headless Chromium: a signed GitHub delivery to the stack's HTTP API appears as a job (queued,
 * then succeeded, with its payload and step trace on the job page), and the stack's schedule is
 * paused (disabled) and resumed from the Sources tab.
 */
import assert from "node:assert/strict";
import { githubEventId } from "../../shared/events/event-id.ts";
import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { githubExample, signedGithubDelivery } from "../fixtures/github.ts";
import { launchChromium } from "../harness/chromium.ts";
import { waitFor } from "../harness/wait-for.ts";
import { startCloudLocalProcess, type CloudLocalProcess } from "./helpers/cloud-local-process.ts";
import { binPath, post, repoRoot, tempDir } from "./helpers/daemon-process.ts";

const STACK = "EvdPrReview";
const SECRET = "dashboard-cloud-local-secret";
const ARTIFACTS = join(repoRoot, "test/artifacts");

describe("e2e: evd cloud ui against evd cloud local", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let local: CloudLocalProcess | undefined;
  let ui: { stop(): Promise<number | null>; out(): string } | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let origin = "";

  before(async () => {
    tmp = await tempDir("dashboard-cloud");
    await mkdir(ARTIFACTS, { recursive: true });
    [local, browser] = await Promise.all([
      startCloudLocalProcess({
        args: [
          "-c",
          "config=examples/pr-review.yaml",
          "-o",
          join(tmp.dir, "cdk.out"),
          "--port",
          "0",
          "--api-port",
          "0",
          "--secret",
          `GITHUB_WEBHOOK_SECRET=${SECRET}`,
        ],
        env: { EVD_PROVIDER: "echo" },
      }),
      launchChromium(),
    ]);
    const proc = spawn(
      process.execPath,
      [binPath, "cloud", "ui", "--stack", STACK, "--config", "examples/pr-review.yaml"],
      {
        cwd: repoRoot,
        env: { ...process.env, NODE_NO_WARNINGS: "1", ...local.awsEnv },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    proc.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    proc.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    const exited = new Promise<number | null>((resolve) => proc.once("exit", resolve));
    ui = {
      out: () => out,
      async stop() {
        proc.kill("SIGINT");
        return exited;
      },
    };
    const link = await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`evd cloud ui exited ${proc.exitCode}:\n${out}\n${err}`);
        return /open \(logs one browser in, once\): (\S+)/.exec(out)?.[1];
      },
      "the evd cloud ui login link",
      { timeoutMs: 60_000 },
    );
    origin = new URL(link).origin;
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(link);
  });

  after(async () => {
    await browser?.close();
    const uiCode = await ui?.stop();
    const localCode = await local?.stop();
    await tmp?.cleanup();
    assert.equal(uiCode, 0, "evd cloud ui stops cleanly on Ctrl-C");
    assert.equal(localCode, 0);
  });

  it("shows a delivery to the stack's API as a job, with its payload and step trace", async () => {
    await page.locator("#kind").filter({ hasText: "cloud" }).waitFor();
    assert.equal(await page.locator("#title").innerText(), STACK);
    const payload = githubExample("push");
    payload.ref = "refs/heads/main";
    const delivery = signedGithubDelivery({ event: "push", payload, secret: SECRET });
    const r = await post(`${local!.apiUrl}/github`, delivery.body, delivery.headers);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const jobId = `${githubEventId("/github", delivery.deliveryId)}#summarize-push`;
    const row = page.locator(`#jobs tr[data-job-id="${jobId}"][data-status=succeeded]`);
    await row.waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-cloud.png") });
    await row.click();
    await page.locator("#payload").waitFor();
    assert.match(await page.locator("#payload").innerText(), /"ref": "refs\/heads\/main"/);
    const step = page.locator('details.step[data-step="steps[0]"]');
    await step.locator("summary").click();
    assert.match(await step.locator(".step-input").innerText(), /Summarize this push to main of /);
  });

  it("pauses and resumes the stack's schedule (disable / enable)", async () => {
    await page.goto(`${origin}/ui/#/sources`);
    const row = page.locator('tr[data-source$="weekly-digest"]');
    await row.waitFor({ timeout: 30_000 });
    assert.match(await row.innerText(), /ENABLED/);
    await row.locator("button[data-action=pause]").click();
    await page.locator('tr[data-source$="weekly-digest"][data-paused=true]').waitFor();
    assert.match(await page.locator('tr[data-source$="weekly-digest"]').innerText(), /DISABLED/);
    const status = await local!.evd(["cloud", "status", "--stack", STACK]);
    assert.match(status.stdout, /weekly-digest\s+DISABLED/);
    await page.locator('tr[data-source$="weekly-digest"] button[data-action=resume]').click();
    await page.locator('tr[data-source$="weekly-digest"][data-paused=false]').waitFor();
  });
});
