/**
 * The spec's weekly-summary example, run offline: a test clock (EVD_TEST_CLOCK_*) puts the
 * scheduler just before Monday 09:00 UTC, so `0 9 * * MON` fires; the run reads git log, prompts,
 * and posts to a local Slack stand-in. Restarted "a week later", the missed Monday runs once, and
 * its git log starts at {last_run}: only the commits made since the first summary.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startFakeSlack, type FakeSlack } from "../../harness/fake-slack.ts";
import { startDaemonProcess, tempDir, waitFor } from "../helpers/daemon-process.ts";
import { copyExample } from "./example-copy.ts";

const FIRST_MONDAY = Date.parse("2026-01-05T09:00:00.000Z");
const WEEK = 7 * 86_400_000;

function commit(repo: string, subject: string, isoDate: string): void {
  execFileSync("git", ["-C", repo, "commit", "--allow-empty", "-q", "-m", subject], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Ada",
      GIT_AUTHOR_EMAIL: "ada@example.com",
      GIT_COMMITTER_NAME: "Ada",
      GIT_COMMITTER_EMAIL: "ada@example.com",
      GIT_AUTHOR_DATE: isoDate,
      GIT_COMMITTER_DATE: isoDate,
    },
  });
}

describe("example: weekly summary (examples/weekly-summary)", () => {
  let example: Awaited<ReturnType<typeof copyExample>>;
  let repo: Awaited<ReturnType<typeof tempDir>>;
  let slack: FakeSlack;

  before(async () => {
    [example, repo, slack] = await Promise.all([
      copyExample("weekly-summary"),
      tempDir("summary-repo"),
      startFakeSlack(),
    ]);
    execFileSync("git", ["init", "-q", repo.dir]);
    commit(repo.dir, "Start the project", "2025-12-20T10:00:00Z");
    commit(repo.dir, "Add the login page", "2026-01-02T15:00:00Z");
  });
  after(async () => {
    await slack?.close();
    await repo?.cleanup();
    await example?.cleanup();
  });

  /** The daemon with its scheduler's clock at `at` (epoch ms) when it starts, 20x fast. */
  const daemonAt = (at: number) =>
    startDaemonProcess({
      configPath: join(example.dir, "evd.yaml"),
      cwd: example.dir,
      env: {
        SLACK_WEBHOOK_URL: slack.webhookUrl,
        SUMMARY_REPO: repo.dir,
        EVD_TEST_CLOCK_OFFSET_MS: String(at - Date.now()),
        EVD_TEST_CLOCK_SPEED: "20",
      },
    });

  it("Monday 09:00: git log -> summary -> one Slack post; a week later the missed Monday runs once, since {last_run}", async () => {
    const first = await daemonAt(FIRST_MONDAY - 20_000);
    try {
      await waitFor(() => slack.messages.length === 1, "the first Monday's post");
    } finally {
      assert.equal(await first.stop(), 0);
    }
    const [post1] = slack.messages;
    assert.equal(post1!.channel, "#team-updates");
    assert.match(post1!.text, /Generate a weekly summary for the team, covering activity since never/);
    assert.match(post1!.text, /Add the login page/);
    assert.match(post1!.text, /Start the project/);

    commit(repo.dir, "Fix the password reset", "2026-01-07T11:00:00Z");
    commit(repo.dir, "Ship dark mode", "2026-01-09T16:30:00Z");

    // Down over the next Monday; started half a minute after its 09:00.
    const second = await daemonAt(FIRST_MONDAY + WEEK + 30_000);
    try {
      await waitFor(() => slack.messages.length === 2, "the caught-up Monday's post");
      const state = await second.admin.call<{ last_run: Record<string, string> }>("GET", "/state");
      assert.deepEqual(Object.values(state.last_run), ["2026-01-12T09:00:00.000Z"]);
    } finally {
      assert.equal(await second.stop(), 0);
    }
    const post2 = slack.messages[1]!;
    assert.match(post2.text, /covering activity since 2026-01-05T09:00:00\.000Z/);
    assert.match(post2.text, /Fix the password reset/);
    assert.match(post2.text, /Ship dark mode/);
    assert.doesNotMatch(post2.text, /Add the login page/, "only commits since the last summary");
    assert.equal(slack.messages.length, 2, "one post per Monday");
  });
});
