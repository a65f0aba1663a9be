/**
 * The spec's PR auto-review example, run offline: the daemon on the spec's profile, GitHub's real
 * pull_request payloads signed as GitHub signs them, a local stand-in for the GitHub API. Opened:
 * the diff is fetched and one review comment posted; synchronize: that comment is edited.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { githubExample, signedGithubDelivery } from "../../fixtures/github.ts";
import { startFakeGithub, type FakeGithub } from "../../harness/fake-github.ts";
import { post, startDaemonProcess, waitFor, type DaemonProcess } from "../helpers/daemon-process.ts";
import { copyExample } from "./example-copy.ts";

const SECRET = "pr-review-webhook-secret";

describe("example: PR auto-review (profile pr-reviewer-daemon, recipes/pr-reviewer.yaml)", () => {
  let example: Awaited<ReturnType<typeof copyExample>>;
  let github: FakeGithub;
  let daemon: DaemonProcess;
  const opened = githubExample("pull_request", "opened");
  const repo = (opened.repository as { full_name: string }).full_name;
  const number = opened.number as number;
  const deliver = async (payload: Record<string, unknown>) => {
    const d = signedGithubDelivery({ event: "pull_request", payload, secret: SECRET });
    const r = await post(`${daemon.url}/github`, d.body, d.headers);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return (r.body.jobs as string[])[0]!;
  };

  before(async () => {
    [example, github] = await Promise.all([copyExample("pr-auto-review"), startFakeGithub()]);
    daemon = await startDaemonProcess({
      configArgs: ["--profile", "pr-reviewer-daemon"],
      cwd: example.dir,
      env: {
        GITHUB_API_URL: github.url,
        GITHUB_TOKEN: "ghp_example_token",
        GITHUB_WEBHOOK_SECRET: SECRET,
        EVD_WEBHOOK_PORT: "0",
      },
    });
  });
  after(async () => {
    await daemon?.stop();
    await github?.close();
    await example?.cleanup();
  });

  it("opened: fetches the diff, reviews it, posts one review comment", async () => {
    github.setDiff(repo, number, "diff --git a/app.js b/app.js\n+eval(userInput)\n");
    await deliver(opened);
    const [comment] = await waitFor(() => github.comments(repo).length === 1 && github.comments(repo), "the review");
    assert.match(comment!.body, /^### Automated review of /);
    assert.match(comment!.body, /\+eval\(userInput\)/, "the review saw the diff");
    // The edit marker, then the guardrails' self-comment marker (comment events it causes are known as its own).
    assert.match(comment!.body, /<!-- evd:pr-review -->\n\n<!-- loop-event-driven -->$/);
    const diffCall = github.calls.find((c) => c.path === `/repos/${repo}/pulls/${number}`);
    assert.equal(diffCall?.accept, "application/vnd.github.diff");
    assert.equal(diffCall?.authorization, "Bearer ghp_example_token");
  });

  it("synchronize: edits that comment with the new diff instead of adding one", async () => {
    const pushed = structuredClone(githubExample("pull_request", "synchronize"));
    pushed.number = number;
    pushed.repository = opened.repository;
    (pushed.pull_request as Record<string, unknown>).number = number;
    github.setDiff(repo, number, "diff --git a/app.js b/app.js\n+JSON.parse(userInput)\n");
    const jobId = await deliver(pushed);
    await waitFor(
      async () =>
        (await daemon.admin.call<{ job_id?: string; status?: string }[]>("GET", "/history?limit=10")).find(
          (h) => h.job_id === jobId && h.status === "succeeded",
        ),
      "the second review",
    );
    const comments = github.comments(repo);
    assert.equal(comments.length, 1, "still one review comment");
    assert.match(comments[0]!.body, /\+JSON\.parse\(userInput\)/);
    assert.doesNotMatch(comments[0]!.body, /eval/);
    assert.ok(
      github.calls.some((c) => c.method === "PATCH" && c.path === `/repos/${repo}/issues/comments/${comments[0]!.id}`),
    );
  });
});
