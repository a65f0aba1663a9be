import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestratorConfig, type OrchestratorConfigInput } from "../../../shared/config/schema.ts";
import { normalizeGithubDelivery } from "../../../shared/events/github.ts";
import { fileChangeEvent } from "../../../shared/events/file-change-event.ts";
import { manualEvent } from "../../../shared/events/manual-event.ts";
import { scheduleEvent } from "../../../shared/events/schedule-event.ts";
import { webhookEvent } from "../../../shared/events/webhook-event.ts";
import { jsonLogger } from "../../../shared/logging/logger.ts";
import { RouterError } from "../../../shared/router/errors.ts";
import { routeEvent } from "../../../shared/router/route.ts";
import { githubExample } from "../../fixtures/github.ts";

const now = new Date("2026-05-01T12:00:00.000Z");
const h = (prompt = "p") => ({ prompt });

function config(input: OrchestratorConfigInput) {
  return OrchestratorConfig.parse(input);
}

function github(eventName: string, payload: Record<string, unknown>, path = "/github") {
  return normalizeGithubDelivery({ eventName, deliveryId: "del-1", payload, receivedAt: now, path });
}

const handlersOf = (jobs: { handler: string }[]) => jobs.map((j) => j.handler);

describe("routeEvent: GitHub", () => {
  const cfg = config({
    sources: [
      { type: "git_push", branches: ["main", "master"], handler: "on-push" },
      { type: "git_push", tags: ["simple-*"], handler: "on-tag" },
      { type: "git_push", branches: ["feature/**"], handler: "on-feature" },
      { type: "git_pr", events: ["opened", "synchronize"], handler: "on-pr" },
      { type: "git_pr", events: ["closed"], branches: ["main"], handler: "on-pr-closed-main" },
      { type: "custom", github_events: ["issues"], handler: "on-issue" },
    ],
    handlers: {
      "on-push": h(),
      "on-tag": h(),
      "on-feature": h(),
      "on-pr": h(),
      "on-pr-closed-main": h(),
      "on-issue": h(),
    },
  });

  it("routes a real push to master to the branch handler only, job id event#handler", () => {
    const jobs = routeEvent(github("push", githubExample("push")), cfg, now);
    assert.deepEqual(handlersOf(jobs), ["on-push"]);
    assert.equal(jobs[0]!.id, "github:/github:del-1#on-push");
    assert.equal(jobs[0]!.attempt, 1);
    assert.equal(jobs[0]!.enqueued_at, now.toISOString());
  });

  it("routes a tag push to the tags source, never to a branch source", () => {
    const tagPush = githubExample("push", undefined, (p) => p.ref === "refs/tags/simple-tag" && p.deleted === false);
    assert.deepEqual(handlersOf(routeEvent(github("push", tagPush), cfg, now)), ["on-tag"]);
  });

  it("uses ** across slashes and * not across them", () => {
    const push = { ...githubExample("push"), ref: "refs/heads/feature/a/b" };
    assert.deepEqual(handlersOf(routeEvent(github("push", push), cfg, now)), ["on-feature"]);
    const other = { ...githubExample("push"), ref: "refs/heads/mainline" };
    assert.deepEqual(handlersOf(routeEvent(github("push", other), cfg, now)), []);
  });

  it("routes pull_request actions by the events filter and the base branch", () => {
    assert.deepEqual(
      handlersOf(routeEvent(github("pull_request", githubExample("pull_request", "opened")), cfg, now)),
      ["on-pr"],
    );
    assert.deepEqual(
      handlersOf(routeEvent(github("pull_request", githubExample("pull_request", "synchronize")), cfg, now)),
      ["on-pr"],
    );
    // closed, but the base branch of the example is master, not main
    assert.deepEqual(
      handlersOf(routeEvent(github("pull_request", githubExample("pull_request", "closed")), cfg, now)),
      [],
    );
    assert.deepEqual(
      handlersOf(routeEvent(github("pull_request", githubExample("pull_request", "labeled")), cfg, now)),
      [],
    );
  });

  it("routes other GitHub events by github_events; ping matches nothing", () => {
    assert.deepEqual(handlersOf(routeEvent(github("issues", githubExample("issues", "opened")), cfg, now)), [
      "on-issue",
    ]);
    assert.deepEqual(handlersOf(routeEvent(github("ping", githubExample("ping")), cfg, now)), []);
  });

  it("only matches sources on the endpoint path the delivery came to", () => {
    const two = config({
      sources: [
        { type: "git_push", handler: "a" },
        { type: "git_push", path: "/gh-other", handler: "b" },
      ],
      handlers: { a: h(), b: h() },
    });
    assert.deepEqual(handlersOf(routeEvent(github("push", githubExample("push"), "/gh-other"), two, now)), ["b"]);
    assert.deepEqual(handlersOf(routeEvent(github("push", githubExample("push")), two, now)), ["a"]);
  });

  it("applies the repositories filter (case-insensitive)", () => {
    const repoCfg = config({
      sources: [
        { type: "git_push", repositories: ["codertocat/hello-world"], handler: "yes" },
        { type: "git_push", repositories: ["octo/other"], handler: "no" },
      ],
      handlers: { yes: h(), no: h() },
    });
    assert.deepEqual(handlersOf(routeEvent(github("push", githubExample("push")), repoCfg, now)), ["yes"]);
  });

  it("makes one job per handler even when several sources match, and skips disabled sources", () => {
    const dup = config({
      sources: [
        { type: "git_push", branches: ["master"], handler: "same" },
        { type: "git_push", handler: "same" },
        { type: "git_push", handler: "off", enabled: false },
      ],
      handlers: { same: h(), off: h() },
    });
    const jobs = routeEvent(github("push", githubExample("push")), dup, now);
    assert.deepEqual(handlersOf(jobs), ["same"]);
  });

  it("honours acceptSource (the sources whose secret verified the delivery)", () => {
    const jobs = routeEvent(github("push", githubExample("push")), cfg, now, {
      acceptSource: (s) => s.handler !== "on-push",
    });
    assert.deepEqual(handlersOf(jobs), []);
  });
});

describe("routeEvent: concurrency keys", () => {
  const cfg = config({
    sources: [
      { type: "git_pr", handler: "review" },
      { type: "git_push", handler: "bad-key" },
    ],
    handlers: {
      review: { prompt: "x", concurrency: { key: "{repo}#{payload.number}", on_new: "supersede" } },
      "bad-key": { prompt: "x", concurrency: { key: "{payload.number}" } },
    },
  });

  it("renders the handler's key template over the event", () => {
    const [job] = routeEvent(github("pull_request", githubExample("pull_request", "synchronize")), cfg, now);
    assert.equal(job!.concurrency_key, "Codertocat/Hello-World#2");
  });

  it("leaves the key out and warns when it cannot be rendered", () => {
    const lines: string[] = [];
    const [job] = routeEvent(github("push", githubExample("push")), cfg, now, {
      logger: jsonLogger((l) => lines.push(l)),
    });
    assert.equal(job!.concurrency_key, undefined);
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line.level, "warn");
    assert.equal(line.handler, "bad-key");
    assert.match(String(line.error), /payload\.number/);
  });
});

describe("routeEvent: webhook, schedule, manual, custom", () => {
  const cfg = config({
    sources: [
      { type: "webhook", path: "/hooks/deploy", secret: "s", handler: "on-deploy" },
      { type: "webhook", path: "/hooks/other", secret: "s", handler: "on-other" },
      { type: "schedule", cron: "0 9 * * MON", name: "weekly", handler: "weekly-summary" },
      { type: "schedule", cron: "0 */4 * * *", handler: "health-check" },
      { type: "manual", handler: "by-hand" },
      { type: "custom", handler: "any-custom" },
    ],
    handlers: {
      "on-deploy": h(),
      "on-other": h(),
      "weekly-summary": h(),
      "health-check": h(),
      "by-hand": h(),
      "any-custom": h(),
    },
  });

  it("routes a webhook by exact path", () => {
    const ev = webhookEvent({
      path: "/hooks/deploy",
      headers: {},
      rawBody: Buffer.from("{}"),
      payload: {},
      receivedAt: now,
    });
    assert.deepEqual(handlersOf(routeEvent(ev, cfg, now)), ["on-deploy"]);
    const sub = webhookEvent({
      path: "/hooks/deploy/x",
      headers: {},
      rawBody: Buffer.from("{}"),
      payload: {},
      receivedAt: now,
    });
    assert.deepEqual(handlersOf(routeEvent(sub, cfg, now)), []);
  });

  it("routes a schedule by its source name (given or derived)", () => {
    assert.deepEqual(handlersOf(routeEvent(scheduleEvent("weekly", now), cfg, now)), ["weekly-summary"]);
    assert.deepEqual(handlersOf(routeEvent(scheduleEvent("health-check-schedule-3", now), cfg, now)), ["health-check"]);
    assert.deepEqual(handlersOf(routeEvent(scheduleEvent("nope", now), cfg, now)), []);
  });

  it("routes manual events to manual sources, or to the named handler", () => {
    assert.deepEqual(handlersOf(routeEvent(manualEvent({ now }), cfg, now)), ["by-hand"]);
    const jobs = routeEvent(manualEvent({ id: "m1", now }), cfg, now, { handler: "weekly-summary" });
    assert.deepEqual(
      jobs.map((j) => j.id),
      ["manual:m1#weekly-summary"],
    );
  });

  it("refuses an unknown handler, listing the handlers", () => {
    assert.throws(
      () => routeEvent(manualEvent({ now }), cfg, now, { handler: "nope" }),
      (e: unknown) =>
        e instanceof RouterError && /unknown handler "nope"/.test(e.message) && /weekly-summary/.test(e.message),
    );
  });

  it("routes a CLI custom event to a custom source without filters, but GitHub deliveries only to GitHub-facing ones", () => {
    assert.deepEqual(handlersOf(routeEvent(manualEvent({ type: "custom", now }), cfg, now)), ["any-custom"]);
    assert.deepEqual(handlersOf(routeEvent(github("issues", githubExample("issues", "opened")), cfg, now)), []);
  });
});

describe("routeEvent: file changes", () => {
  const cfg = config({
    sources: [
      {
        type: "file_change",
        name: "py",
        path: "./src/",
        pattern: "**/*.py",
        events: ["modify", "create"],
        handler: "on-code",
      },
      {
        type: "file_change",
        name: "docs",
        path: "./docs/",
        pattern: ["**/*.md"],
        ignore: ["drafts/**"],
        handler: "on-docs",
      },
    ],
    handlers: { "on-code": h(), "on-docs": h() },
  });

  it("keeps only the changes a source wants (pattern and kinds); the id stays the event's", () => {
    const ev = fileChangeEvent({
      source: "py",
      root: "/repo/src",
      now,
      changes: [
        { path: "pkg/a.py", kind: "modify", hash: "1" },
        { path: "pkg/b.py", kind: "delete", hash: "" },
        { path: "README.txt", kind: "modify", hash: "2" },
      ],
    });
    const [job, ...rest] = routeEvent(ev, cfg, now);
    assert.equal(rest.length, 0);
    assert.equal(job!.handler, "on-code");
    assert.equal(job!.id, `${ev.id}#on-code`);
    assert.deepEqual(job!.event.payload.files, ["pkg/a.py"]);
    assert.deepEqual((job!.event.payload.changes as unknown[]).length, 1);
  });

  it("yields no job when no change is left", () => {
    const ev = fileChangeEvent({
      source: "py",
      root: "/repo/src",
      now,
      changes: [{ path: "a.py", kind: "delete", hash: "" }],
    });
    assert.deepEqual(routeEvent(ev, cfg, now), []);
  });

  it("applies ignore globs and matches absolute paths relative to the root", () => {
    const ev = fileChangeEvent({
      source: "docs",
      root: "/repo/docs",
      now,
      changes: [
        { path: "/repo/docs/guide/x.md", kind: "create", hash: "1" },
        { path: "drafts/y.md", kind: "create", hash: "2" },
      ],
    });
    const jobs = routeEvent(ev, cfg, now);
    assert.deepEqual(handlersOf(jobs), ["on-docs"]);
    assert.deepEqual(jobs[0]!.event.payload.files, ["/repo/docs/guide/x.md"]);
  });

  it("routes a CLI file_change (payload.files) against every watcher", () => {
    const ev = manualEvent({ now, payload: { files: ["a.py", "b.md"] } });
    const jobs = routeEvent({ ...ev, type: "file_change" }, cfg, now);
    assert.deepEqual(handlersOf(jobs), ["on-code", "on-docs"]);
    assert.deepEqual(jobs[0]!.event.payload.files, ["a.py"]);
    assert.deepEqual(jobs[1]!.event.payload.files, ["b.md"]);
  });
});
