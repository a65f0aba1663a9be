/**
 * `evd bridge` as a user runs it (child process) against the SQS emulator: a burst of writes is one
 * message, the message is the Job the runner Lambda consumes, an identical re-save sends nothing.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeQueueMessage } from "../../../shared/aws/job-message.ts";
import {
  drainJobs,
  filesOf,
  makeWorkspace,
  receiveJobs,
  spawnBridge,
  startStoppableSqs,
  type BridgeProcess,
  type StoppableSqs,
  type Workspace,
} from "./helpers.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));

describe("evd bridge: change sets to the job queue", () => {
  let sqs: StoppableSqs;
  let ws: Workspace;
  let queueUrl: string;
  let bridge: BridgeProcess;

  before(async () => {
    sqs = await startStoppableSqs();
    queueUrl = await sqs.createQueue("bridge-send");
    ws = await makeWorkspace({ debounceMs: 800, maxContentBytes: 1024 });
    bridge = spawnBridge(
      ["--config", ws.configPath, "--queue-url", queueUrl, "--endpoint", sqs.endpoint, "--spool-dir", ws.spoolDir],
      repo,
    );
    await bridge.waitFor(/^bridge: ready$/);
  });

  after(async () => {
    if (bridge.child.exitCode === null) bridge.child.kill("SIGKILL");
    await sqs.close();
  });

  it("sends 20 quick writes as one message listing the 20 files, with their content", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `note-${String(i).padStart(2, "0")}.md`);
    await Promise.all(names.map((n) => writeFile(join(ws.watched, n), `# ${n}\n`)));

    const [job] = await receiveJobs(sqs.client, queueUrl, 1);
    assert.ok(job, "a message arrived");
    assert.deepEqual(filesOf(job), names);
    assert.equal(job.handler, "summarize");
    assert.equal(job.id, `${job.event.id}#summarize`);
    assert.equal(job.event.type, "file_change");
    assert.equal(job.event.source, "docs");
    const changes = job.event.payload.changes as { path: string; kind: string; hash: string; content?: string }[];
    assert.deepEqual(
      changes.map((c) => c.kind),
      names.map(() => "create"),
    );
    assert.equal(changes[0]!.content, "# note-00.md\n");
    assert.equal(changes[0]!.hash, createHash("sha256").update("# note-00.md\n").digest("hex"));
    assert.deepEqual(await drainJobs(sqs.client, queueUrl), [], "one message, not one per file");

    // The message is what the runner Lambda consumes.
    const asRun = decodeQueueMessage(JSON.stringify(job), new Date());
    assert.equal(asRun.kind === "job" && asRun.job.id, job.id);

    const line = await bridge.waitFor(/^sent: 20 files/);
    assert.match(
      line,
      new RegExp(`^sent: 20 files \\(docs\\) -> job ${job.id.replace(/[#]/g, "\\$&")}; latency \\d+ ms$`),
    );
  });

  it("sends binary and large files by hash only", async () => {
    await writeFile(join(ws.watched, "logo.bin"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    await writeFile(join(ws.watched, "big.txt"), "x".repeat(4096));
    const [job] = await receiveJobs(sqs.client, queueUrl, 1);
    assert.ok(job);
    const changes = job.event.payload.changes as { path: string; hash: string; size?: number; content?: string }[];
    assert.deepEqual(
      changes.map((c) => c.path),
      ["big.txt", "logo.bin"],
    );
    for (const c of changes) {
      assert.equal(c.content, undefined, `${c.path} has no inline content`);
      assert.match(c.hash, /^[0-9a-f]{64}$/);
    }
    assert.equal(changes[0]!.size, 4096);
  });

  it("does not send a job id again when a file is re-saved with identical content", async () => {
    const file = join(ws.watched, "note-00.md");
    await writeFile(file, "second version\n");
    const [first] = await receiveJobs(sqs.client, queueUrl, 1);
    assert.ok(first);
    assert.deepEqual(filesOf(first), ["note-00.md"]);

    await writeFile(file, "second version\n");
    const unchanged = await bridge.waitFor(/^unchanged: /);
    assert.ok(unchanged.includes(first.id), unchanged);
    assert.deepEqual(await drainJobs(sqs.client, queueUrl), [], "no new message for an identical re-save");
  });

  it("exits 0 on SIGTERM with nothing left to send", async () => {
    bridge.child.kill("SIGTERM");
    assert.equal(await bridge.exited, 0);
    assert.ok(bridge.lines.includes("bridge: stopped, nothing left to send"), bridge.lines.join("\n"));
  });
});
