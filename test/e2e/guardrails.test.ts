/**
 * Issue 16's guardrails on the daemon as a user starts it: one trace per event (a three-step
 * pipeline as a tree by `evd daemon trace`, and the same spans at a local OTLP/HTTP receiver), a
 * handler's own file write not re-triggering its watcher, a self-caused GitHub comment skipped,
 * the storm breaker pausing a flooding webhook until `evd daemon resume`, and a budget stopping
 * runs at its limit, recorded, then replayed once raised.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rootOf } from "../../shared/tracing/trace-context.ts";
import { githubExample, signedGithubDelivery } from "../fixtures/github.ts";
import { startOtlpReceiver, type OtlpReceiver } from "../harness/otlp-receiver.ts";
import {
  history,
  post,
  runCli,
  startDaemonProcess,
  tempDir,
  waitFor,
  writeConfig,
  type DaemonProcess,
} from "./helpers/daemon-process.ts";

const GH_SECRET = "e2e-guardrails-secret";
const MARKER = "<!-- loop-event-driven -->";

function config(otlpUrl: string, runsPerHour: number): string {
  return `
sources:
  - type: webhook
    path: /hooks/report
    signature: none
    handler: report
  - type: file_change
    name: watched
    path: ./watched
    pattern: "**/*.md"
    debounce_ms: 200
    handler: on-change
  - type: custom
    github_events: [issue_comment]
    secret: "\${GH_SECRET}"
    handler: on-comment
  - type: webhook
    path: /hooks/flood
    signature: none
    handler: noop
  - type: manual
    handler: limited
handlers:
  report:
    steps:
      - id: draft
        prompt: "Draft a report on {payload.topic}"
      - tool: tool-filesystem
        action: write
        path: "watched/report-{payload.topic}.md"
      - id: final
        prompt: "Final: {steps.0.output}"
        model: claude-sonnet-4-5
  on-change:
    prompt: "Changed: {files}"
  on-comment:
    prompt: "Comment: {payload.comment.body}"
  noop:
    prompt: "flood {payload.n}"
  limited:
    prompt: "run {payload.n}"
    budget: { runs_per_hour: ${runsPerHour} }
guardrails:
  storm: { max_events: 3, window_seconds: 3600, cooldown_seconds: 3600 }
tracing:
  otlp_endpoint: ${otlpUrl}
webhook_port: 0
state_file: state/event-state.json
`;
}

describe("e2e: guardrails and tracing", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let otlp: OtlpReceiver;
  let configPath = "";
  let daemon: DaemonProcess;
  const env = { GH_SECRET };
  const cli = (...args: string[]) => runCli([...args, "--config", configPath]);

  before(async () => {
    tmp = await tempDir("guardrails");
    await mkdir(join(tmp.dir, "watched"), { recursive: true });
    otlp = await startOtlpReceiver();
    configPath = await writeConfig(tmp.dir, "evd.yaml", config(otlp.url, 2));
    daemon = await startDaemonProcess({ configPath, env });
  });
  after(async () => {
    await daemon?.stop();
    await otlp?.stop();
    await tmp.cleanup();
  });

  const runsOf = async (handler: string) => (await history(daemon)).filter((h) => h.handler === handler);

  it("shows a three-step pipeline's trace as a tree (evd daemon trace) and exports the same spans over OTLP", async () => {
    const accepted = await post(`${daemon.url}/hooks/report`, JSON.stringify({ topic: "alpha" }));
    assert.equal(accepted.status, 202);
    const eventId = String(accepted.body.event_id);
    await waitFor(async () => (await runsOf("report")).find((r) => r.status === "succeeded"), "the report run");

    // The spans reach the store within the exporter's batch delay: wait on the admin API, then ask the CLI once.
    await waitFor(async () => {
      const t = await daemon.admin.call<{ tree: string }>("GET", `/trace?event_id=${encodeURIComponent(eventId)}`);
      return t.tree.split("\n").length >= 6;
    }, "the trace's six lines");
    const traced = await cli("daemon", "trace", eventId);
    assert.equal(traced.code, 0, traced.stderr);
    const lines = traced.stdout.trimEnd().split("\n");
    assert.equal(lines[0], `trace ${rootOf(eventId).traceId}`);
    assert.match(lines[1]!, /^event webhook \/hooks\/report {2}accepted {2}\d+ ms$/);
    assert.match(
      lines[2]!,
      /^└─ job report {2}attempt 1 {2}succeeded {2}tokens \d+ in \/ \d+ out {2}\$0\.\d{4} {2}\d+ ms$/,
    );
    assert.match(lines[3]!, /^ {3}├─ prompt steps\[0\] \(draft\) {2}model echo {2}tokens \d+ in \/ \d+ out {2}\d+ ms$/);
    assert.match(
      lines[4]!,
      /^ {3}├─ tool-filesystem\.write steps\[1\] {2}tool-filesystem\.write:watched\/report-alpha\.md {2}\d+ ms$/,
    );
    assert.match(lines[5]!, /^ {3}└─ prompt steps\[2\] \(final\) {2}model claude-sonnet-4-5 {2}tokens \d+ in/);

    const exported = await waitFor(() => {
      const spans = otlp.spans.filter((s) => s.traceId === rootOf(eventId).traceId);
      return spans.length >= 5 ? spans : undefined;
    }, "the five spans at the OTLP receiver");
    assert.deepEqual(exported.map((s) => s.name).sort(), [
      "event webhook /hooks/report",
      "job report",
      "prompt steps[0] (draft)",
      "prompt steps[2] (final)",
      "tool-filesystem.write steps[1]",
    ]);
    const viaAdmin = await daemon.admin.call<{ tree: string }>("GET", `/trace?event_id=${encodeURIComponent(eventId)}`);
    assert.equal(
      viaAdmin.tree,
      traced.stdout.trimEnd(),
      "the admin API (the dashboard's trace view) has the same tree",
    );
  });

  it("does not re-trigger a watcher with the handler's own write, while a person's edit does trigger it", async () => {
    // The report handler wrote watched/report-alpha.md above; now a person writes a file there.
    await writeFile(join(tmp.dir, "watched", "notes.md"), "written by a person\n");
    const runs = await waitFor(async () => {
      const r = await runsOf("on-change");
      return r.length > 0 ? r : undefined;
    }, "the watcher's run for the person's edit");
    assert.equal(runs.length, 1, JSON.stringify(runs));
    const output = String(runs[0]!.output);
    assert.match(output, /notes\.md/);
    assert.doesNotMatch(output, /report-alpha\.md/, "the handler's own write is not reported");
  });

  it("skips a GitHub comment event the project caused, and runs one a person wrote", async () => {
    const own = githubExample("issue_comment", "created");
    (own.comment as { body: string }).body = `Reviewed: looks fine.\n\n${MARKER}`;
    const mine = signedGithubDelivery({ event: "issue_comment", payload: own, secret: GH_SECRET });
    const skipped = await post(`${daemon.url}/github`, mine.body, mine.headers);
    assert.equal(skipped.status, 200);
    assert.equal(skipped.body.status, "skipped");
    assert.match(String(skipped.body.reason), /loop guard: issue_comment event about a comment this project wrote/);

    const human = signedGithubDelivery({
      event: "issue_comment",
      payload: githubExample("issue_comment", "created"),
      secret: GH_SECRET,
    });
    assert.equal((await post(`${daemon.url}/github`, human.body, human.headers)).status, 202);
    const runs = await waitFor(async () => {
      const r = await runsOf("on-comment");
      return r.length > 0 ? r : undefined;
    }, "the run for the person's comment");
    assert.equal(runs.length, 1, "only the person's comment ran");
    assert.ok(runs[0]!.event_id.includes(human.deliveryId), runs[0]!.event_id);
  });

  it("pauses a flooding webhook source (429, source:error, status line) until evd daemon resume, losing no accepted event", async () => {
    const flood = (n: number) => post(`${daemon.url}/hooks/flood`, JSON.stringify({ n }));
    for (let n = 0; n < 3; n++) assert.equal((await flood(n)).status, 202);
    const refused = await flood(3);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error, "source_paused");

    const status = await cli("daemon", "status");
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      /^PAUSED \/hooks\/flood: storm breaker, more than 3 events in 3600 s; until \S+ \(or `evd daemon resume \/hooks\/flood`\)$/m,
    );
    assert.match(status.stdout, /noop-webhook-\d+\s+webhook\s+noop\s+paused\s+storm breaker/);
    assert.match(daemon.stderr(), /"lifecycle":"source:error".*"source":"\/hooks\/flood"/);

    const resumed = await cli("daemon", "resume", "/hooks/flood");
    assert.equal(resumed.stdout.trim(), "resumed /hooks/flood");
    assert.equal((await flood(4)).status, 202);
    await waitFor(async () => (await runsOf("noop")).length === 4, "the four accepted flood events' runs");
    assert.ok((await runsOf("noop")).every((r) => r.status === "succeeded"));
  });

  it("stops runs at the budget (recorded budget_exceeded, event:dropped), and replays them once it is raised", async () => {
    for (let n = 0; n < 3; n++) await daemon.admin.call("POST", "/trigger", { handler: "limited", payload: { n } });
    const runs = await waitFor(async () => {
      const r = await runsOf("limited");
      return r.length === 3 ? r : undefined;
    }, "three runs of the limited handler");
    assert.deepEqual(runs.map((r) => r.status).sort(), ["budget_exceeded", "succeeded", "succeeded"]);
    const refused = runs.find((r) => r.status === "budget_exceeded")!;
    assert.match(refused.reason ?? "", /^budget exceeded: handler "limited" reached runs_per_hour 2 \(used 2\)/);
    // The hook's log line follows the history row (the row is read as soon as it is committed).
    await waitFor(
      () => /"lifecycle":"event:dropped".*"reason":"budget exceeded: handler \\"limited\\"/.test(daemon.stderr()),
      "the event:dropped hook's log line for the budget",
    );
    const status = await cli("daemon", "status");
    assert.match(
      status.stdout,
      /^budget handler "limited": runs_per_hour 2\/2 \(REACHED\), tokens_per_day \d+, usd_per_day \$0\.00$/m,
    );

    // Raise the budget and restart on the same state folder: the refused job is replayed and runs.
    await daemon.stop();
    await writeConfig(tmp.dir, "evd.yaml", config(otlp.url, 10));
    daemon = await startDaemonProcess({ configPath, env });
    const replay = await cli("daemon", "replay", "--status", "budget_exceeded");
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /^replayed 1 job\(s\)$/m);
    assert.match(replay.stdout, new RegExp(`${refused.job_id!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}#replay-1`));
    await waitFor(
      async () =>
        (await runsOf("limited")).find((r) => r.job_id === `${refused.job_id}#replay-1` && r.status === "succeeded"),
      "the replayed run",
    );
  });
});
