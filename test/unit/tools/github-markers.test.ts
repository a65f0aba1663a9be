/**
 * tool-github's marked writes against a GitHub stand-in: a marked PR comment is edited on the next
 * run instead of repeated; upsert_issue opens an issue once per marker and edits it afterwards;
 * bad markers and missing fields are refused before any call.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ToolError } from "../../../shared/tools/errors.ts";
import { githubTool } from "../../../shared/tools/github.ts";
import type { Tool } from "../../../shared/tools/tool.ts";
import { startFakeGithub, type FakeGithub } from "../../harness/fake-github.ts";
import { testEvent } from "../pipeline/support.ts";

const ctx = { handler: "h" };
const pr = testEvent("git_pr", { repo: "octo/hello", number: 7 });

describe("tool-github: marked comments and issues", () => {
  let gh: FakeGithub;
  let tool: Tool;
  before(async () => {
    gh = await startFakeGithub();
    tool = githubTool({ baseUrl: gh.url, token: async () => "ghp_test", fetch });
  });
  after(() => gh.close());

  it("posts a marked review once, then edits that comment on the next run", async () => {
    const first = await tool.run("post_pr_comment", { body: "v1 review", marker: "pr-review" }, { ...ctx, event: pr });
    assert.equal((first.output as { updated: boolean }).updated, false);
    // Someone else comments in between; an unmarked comment is never touched.
    await tool.run("post_pr_comment", { body: "thanks!" }, { ...ctx, event: pr });
    const second = await tool.run("post_pr_comment", { body: "v2 review", marker: "pr-review" }, { ...ctx, event: pr });
    assert.deepEqual(second.output, {
      id: (first.output as { id: number }).id,
      url: (first.output as { url: string }).url,
      updated: true,
    });
    const comments = gh.comments("octo/hello");
    assert.deepEqual(
      comments.map((c) => c.body),
      ["v2 review\n\n<!-- evd:pr-review -->", "thanks!"],
    );
    assert.ok(gh.calls.every((c) => c.authorization === "Bearer ghp_test"));
  });

  it("finds the marked comment past the first page of comments", async () => {
    const event = testEvent("git_pr", { repo: "octo/long", number: 1 });
    await tool.run("post_pr_comment", { body: "review", marker: "m" }, { ...ctx, event });
    for (let i = 0; i < 120; i++) await tool.run("post_pr_comment", { body: `chatter ${i}` }, { ...ctx, event });
    const out = await tool.run("post_pr_comment", { body: "review 2", marker: "m" }, { ...ctx, event });
    assert.equal((out.output as { updated: boolean }).updated, true);
    assert.equal(gh.comments("octo/long").length, 121);
    assert.equal(gh.comments("octo/long")[0]!.body, "review 2\n\n<!-- evd:m -->");
  });

  it("opens one issue per marker and edits it when the same marker comes again", async () => {
    const run = (body: string, marker: string) =>
      tool.run(
        "upsert_issue",
        { repo: "octo/ops", title: `Alert ${marker}`, body, marker, labels: ["alert", "evd"] },
        ctx,
      );
    const a1 = await run("first look", "disk-full:db-1");
    const b1 = await run("other alert", "cpu:web-2");
    const a2 = await run("second look", "disk-full:db-1");
    assert.deepEqual(a1.output, { number: 1, url: `${gh.url}/octo/ops/issues/1`, created: true });
    assert.equal((b1.output as { number: number }).number, 2);
    assert.deepEqual(a2.output, { number: 1, url: `${gh.url}/octo/ops/issues/1`, created: false });
    assert.equal(a2.target, "octo/ops#1");
    const issues = gh.issues("octo/ops");
    assert.equal(issues.length, 2);
    assert.equal(issues[0]!.body, "second look\n\n<!-- evd:disk-full:db-1 -->");
    assert.deepEqual(issues[0]!.labels, ["alert", "evd"]);
    const patch = gh.calls.find((c) => c.method === "PATCH" && c.path === "/repos/octo/ops/issues/1");
    assert.deepEqual(JSON.parse(patch!.body), { title: "Alert disk-full:db-1", body: issues[0]!.body });
  });

  it("opens a new issue when the marked one was closed", async () => {
    gh.issues("octo/ops")[1]!.state = "closed";
    const out = await tool.run(
      "upsert_issue",
      { repo: "octo/ops", title: "cpu", body: "again", marker: "cpu:web-2" },
      ctx,
    );
    assert.deepEqual(out.output, { number: 3, url: `${gh.url}/octo/ops/issues/3`, created: true });
  });

  it("refuses bad markers and missing fields before calling GitHub", async () => {
    const calls = gh.calls.length;
    const refused = (args: Record<string, unknown>, action: string, re: RegExp) =>
      assert.rejects(
        tool.run(action, args, ctx),
        (e: unknown) => e instanceof ToolError && e.permanent && re.test(e.message),
      );
    await refused({ repo: "octo/ops", title: "t", body: "b" }, "upsert_issue", /`marker` is required/);
    await refused({ repo: "octo/ops", title: "t", body: "b", marker: "a-->b" }, "upsert_issue", /`marker` "a-->b"/);
    await refused({ repo: "octo/ops", body: "b", marker: "m" }, "upsert_issue", /`title` is required/);
    await refused({ repo: "octo/ops", title: "t", marker: "m" }, "upsert_issue", /nothing to post: give `body`/);
    await refused({ repo: "octo/ops", title: "t", body: "b", marker: "m", labels: 3 }, "upsert_issue", /`labels`/);
    await refused({ repo: "octo/hello", number: 7, body: "b", marker: "x y" }, "post_pr_comment", /`marker` "x y"/);
    assert.equal(gh.calls.length, calls);
  });
});
