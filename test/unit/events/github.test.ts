import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventError } from "../../../shared/events/errors.ts";
import { normalizeGithubDelivery } from "../../../shared/events/github.ts";
import { githubExample } from "../../fixtures/github.ts";

const receivedAt = new Date("2026-01-02T03:04:05.000Z");

function normalize(eventName: string, payload: Record<string, unknown>, deliveryId = "d-1") {
  return normalizeGithubDelivery({ eventName, deliveryId, payload, receivedAt, path: "/github" });
}

describe("normalizeGithubDelivery", () => {
  it("turns a push to a branch into git_push with branch, files, repo", () => {
    const payload = githubExample("push");
    const event = normalize("push", payload, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    assert.equal(event.id, "github:/github:72d3162e-cc78-11e3-81ab-4c9367dc0958");
    assert.equal(event.type, "git_push");
    assert.equal(event.source, "/github");
    assert.equal(event.timestamp, receivedAt.toISOString());
    assert.equal(event.payload.branch, "master");
    assert.equal(event.payload.tag, undefined);
    assert.deepEqual(event.payload.files, ["README.md"]);
    assert.equal(event.payload.repo, "Codertocat/Hello-World");
    assert.equal(event.payload.github_event, "push");
    // GitHub's own body is kept as delivered
    assert.equal(event.payload.ref, "refs/heads/master");
    assert.deepEqual(event.payload.commits, payload.commits);
    assert.deepEqual(event.metadata, {
      path: "/github",
      github_event: "push",
      delivery_id: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    });
  });

  it("treats a tag push as a tag, not a branch", () => {
    const payload = githubExample("push", undefined, (p) => p.ref === "refs/tags/simple-tag" && p.deleted === false);
    const event = normalize("push", payload);
    assert.equal(event.type, "git_push");
    assert.equal(event.payload.tag, "simple-tag");
    assert.equal(event.payload.branch, undefined);
    assert.deepEqual(event.payload.files, []);
  });

  it("unions added, modified and removed paths across commits without duplicates", () => {
    const payload = {
      ref: "refs/heads/feature/x",
      repository: { full_name: "o/r" },
      commits: [
        { added: ["a.ts"], modified: ["b.ts"], removed: [] },
        { added: [], modified: ["a.ts", "c.ts"], removed: ["d.ts"] },
      ],
    };
    const event = normalize("push", payload);
    assert.equal(event.payload.branch, "feature/x");
    assert.deepEqual(event.payload.files, ["a.ts", "b.ts", "c.ts", "d.ts"]);
  });

  for (const action of ["opened", "synchronize", "closed"]) {
    it(`turns pull_request ${action} into git_pr with number, action, branches`, () => {
      const payload = githubExample("pull_request", action);
      const event = normalize("pull_request", payload);
      assert.equal(event.type, "git_pr");
      assert.equal(event.payload.action, action);
      assert.equal(event.payload.number, 2);
      assert.equal(event.payload.branch, "changes");
      assert.equal(event.payload.base_branch, "master");
      assert.equal(event.payload.repo, "Codertocat/Hello-World");
      assert.equal(event.payload.github_event, "pull_request");
      assert.deepEqual(event.payload.pull_request, payload.pull_request);
    });
  }

  it("never overwrites GitHub's own top-level keys", () => {
    const payload = { ...githubExample("pull_request", "opened"), number: 99 };
    const event = normalize("pull_request", payload);
    assert.equal(event.payload.number, 99);
    assert.equal(event.payload.action, "opened");
  });

  it("turns ping and issues into custom events carrying github_event", () => {
    const ping = normalize("ping", githubExample("ping"));
    assert.equal(ping.type, "custom");
    assert.equal(ping.payload.github_event, "ping");
    assert.equal(typeof ping.payload.zen, "string");
    const issues = normalize("issues", githubExample("issues", "opened"));
    assert.equal(issues.type, "custom");
    assert.equal(issues.payload.github_event, "issues");
    assert.equal(issues.payload.action, "opened");
    assert.equal(issues.payload.repo, "Codertocat/Hello-World");
  });

  it("refuses a push without ref and a pull_request without pull_request, naming what is missing", () => {
    assert.throws(
      () => normalize("push", { commits: [] }),
      (e: unknown) => e instanceof EventError && /ref/.test(e.message),
    );
    assert.throws(
      () => normalize("pull_request", { action: "opened" }),
      (e: unknown) => e instanceof EventError && /pull_request/.test(e.message),
    );
    assert.throws(() => normalize("push", { ref: "refs/heads/x" }, ""), EventError);
  });
});
