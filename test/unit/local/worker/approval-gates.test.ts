/**
 * Approval gates of staged recipes, end to end over the real embedded store and worker: a run
 * stops at a gate and waits PARKED (no worker slot held), survives a restart, is listed, and
 * continues on approve or ends on deny; a gate's timeout decides by its default.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { loadConfig } from "../../../../shared/config/load.ts";
import type { Event } from "../../../../shared/events/event.ts";
import { createHookBus } from "../../../../shared/hooks/hook-bus.ts";
import { silentLogger } from "../../../../shared/logging/logger.ts";
import { MemoryHandlerStateStore } from "../../../../shared/memory/memory-handler-state-store.ts";
import { fileRecipeSource } from "../../../../shared/node/file-recipe-source.ts";
import { nodeConfigFiles } from "../../../../shared/node/node-config-files.ts";
import { createPipelineRunner } from "../../../../shared/pipeline/create-pipeline-runner.ts";
import type { Clock } from "../../../../shared/ports/clock.ts";
import { gateDecision } from "../../../../local/store/gates.ts";
import { openLocalStore, type LocalStore } from "../../../../local/store/local-store.ts";
import { createWorker, type Worker } from "../../../../local/worker/worker.ts";
import { waitFor } from "../../../harness/wait-for.ts";
import { job, manualClock, tempDir } from "../store/store-fixtures.ts";

const RECIPE = `
name: release
description: Plan, ship, announce, with a person in the loop
version: "1.0.0"
stages:
  - name: plan
    steps:
      - id: plan
        prompt: "Plan release {{payload.version}}"
        output: plan
    approval:
      required: true
      prompt: "Ship this plan? {{plan}}"
  - name: ship
    approval:
      required: true
      when: before_stage
      prompt: "Really ship {{payload.version}}?"
      timeout: 60
      default: approve
    steps:
      - id: ship
        prompt: "Ship {{plan}}"
        output: shipped
  - name: announce
    steps:
      - id: announce
        prompt: "Announce {{shipped}}"
        condition: "{{payload.version}} != '0'"
      - id: never
        condition: "{{payload.version}} == '0'"
        prompt: "never"
      - id: summary
        prompt: "Skipped: {{_skipped_steps}}"
`;

function project(): string {
  const dir = tempDir();
  mkdirSync(join(dir, "recipes"));
  writeFileSync(join(dir, "recipes", "release.yaml"), RECIPE);
  writeFileSync(
    join(dir, "evd.yaml"),
    "sources: [{type: manual, handler: release}]\nhandlers:\n  release: {recipe: recipes/release}\nstate_file: state/event-state.json\nmax_concurrent_handlers: 1\n",
  );
  return dir;
}

const running: { worker: Worker; store: LocalStore }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.worker.stop({ timeoutMs: 100 });
    await r.store.close();
  }
});

async function open(dir: string, clock?: Clock): Promise<{ store: LocalStore; worker: Worker }> {
  const loaded = await loadConfig({ configPath: join(dir, "evd.yaml"), env: {}, files: nodeConfigFiles });
  const store = openLocalStore({ dir: loaded.stateDir, config: loaded.config, ...(clock ? { clock } : {}) });
  const pipeline = createPipelineRunner(loaded.config, {
    recipes: fileRecipeSource(loaded.configDir),
    secrets: { get: () => Promise.reject(new Error("no secrets")) },
    filesystemRoot: loaded.configDir,
    logger: silentLogger,
    handlerState: new MemoryHandlerStateStore(),
  });
  const worker = createWorker({
    store,
    config: loaded.config,
    pipeline,
    hooks: createHookBus([], silentLogger),
    pollIntervalMs: 60_000,
    ...(clock ? { clock } : {}),
  });
  await worker.start();
  running.push({ worker, store });
  return { store, worker };
}

function manual(id: string, version: string): Event {
  return { id, type: "manual", source: "cli", payload: { version }, timestamp: new Date().toISOString() };
}

async function parkedAt(store: LocalStore, jobId: string, stage: string) {
  return waitFor(
    () => store.listParked().find((p) => p.id === jobId && p.gate.stage === stage),
    `${jobId} at ${stage}`,
    {
      timeoutMs: 20_000,
    },
  );
}

describe("approval gates (staged recipes)", () => {
  it("stops at each gate without holding a slot, survives a restart, and continues on approve", async () => {
    const dir = project();
    let { store, worker } = await open(dir);
    const event = manual("rel-1", "1.2.3");
    await store.submit(event, [job(event, "release")]);
    const jobId = "rel-1#release";

    const first = await parkedAt(store, jobId, "plan");
    assert.equal(first.gate.when, "after_stage");
    assert.equal(first.gate.prompt, "Ship this plan? [echo model=echo]\nPlan release 1.2.3");
    assert.equal(first.decidesAt, undefined, "no timeout: waits until answered");
    assert.equal(store.getJob(jobId)?.state, "PARKED");
    assert.equal(store.getJob(jobId)?.result?.status, "parked");
    // One worker slot (max_concurrent_handlers: 1): another run gets it while the first waits.
    const other = manual("rel-1b", "1.2.4");
    await store.submit(other, [job(other, "release")]);
    await parkedAt(store, "rel-1b#release", "plan");
    await waitFor(() => worker.running().length === 0, "no slot held", { timeoutMs: 20_000 });

    await store.decideGate(jobId, gateDecision(true, "looks right", Date.now()));
    const second = await parkedAt(store, jobId, "ship");
    assert.equal(second.gate.when, "before_stage");
    assert.equal(second.gate.prompt, "Really ship 1.2.3?");
    assert.ok(second.decidesAt, "this gate has a 60 s timeout");

    // A restart: the waiting run is still there, with its snapshot.
    running.splice(0);
    await worker.stop({ timeoutMs: 100 });
    await store.close();
    ({ store, worker } = await open(dir));
    assert.deepEqual(
      store.listParked().map((p) => [p.id, p.gate.stage]),
      [
        [jobId, "ship"],
        ["rel-1b#release", "plan"],
      ],
    );
    await store.decideGate(jobId, gateDecision(true, undefined, Date.now()));
    await waitFor(() => store.getJob(jobId)?.state === "COMPLETED", "the run completes", { timeoutMs: 20_000 });
    const result = store.getJob(jobId)!.result!;
    assert.equal(result.success, true, result.error ?? "");
    assert.deepEqual(result.actions_taken, [
      "recipe:recipes/release.yaml",
      "prompt:echo",
      "approval:plan:approved",
      "approval:ship:approved",
      "prompt:echo",
      "prompt:echo",
      "prompt:echo",
    ]);
    assert.equal(result.output, '[echo model=echo]\nSkipped: ["never"]');
    const history = await store.history.list({ handler: "release" });
    assert.deepEqual(
      history.filter((h) => h.job_id === jobId).map((h) => h.status),
      ["succeeded", "parked", "parked"],
    );
  });

  it("ends the run on deny, recorded as denied, never run again", async () => {
    const dir = project();
    const { store, worker } = await open(dir);
    await store.submit(manual("rel-2", "2.0.0"), [job(manual("rel-2", "2.0.0"), "release")]);
    const jobId = "rel-2#release";
    await parkedAt(store, jobId, "plan");
    const outcome = await store.decideGate(jobId, gateDecision(false, "not this week", Date.now()));
    assert.equal(outcome.state, "DENIED");
    const denied = store.getJob(jobId)!;
    assert.equal(denied.state, "DENIED");
    assert.equal(denied.result?.success, false);
    assert.equal(denied.result?.status, "denied");
    assert.equal(
      denied.result?.error,
      'denied at the approval gate of stage "plan" (recipe recipes/release.yaml) by cli: not this week',
    );
    assert.deepEqual(store.listParked(), []);
    await waitFor(() => worker.running().length === 0, "no slot held", { timeoutMs: 20_000 });
    await assert.rejects(
      store.decideGate(jobId, gateDecision(true, undefined, Date.now())),
      /is DENIED, not waiting at an approval gate/,
    );
  });

  it("a gate with a timeout decides by its default once the timeout has passed", async () => {
    const dir = project();
    const clock = manualClock(Date.now());
    const { store } = await open(dir, clock);
    await store.submit(manual("rel-3", "3.0.0"), [job(manual("rel-3", "3.0.0"), "release")]);
    const jobId = "rel-3#release";
    await parkedAt(store, jobId, "plan");
    await store.decideGate(jobId, gateDecision(true, undefined, clock.now()));
    await parkedAt(store, jobId, "ship");
    assert.deepEqual(await store.expireGates(clock.now() + 59_000), [], "not yet");
    clock.advance(61_000);
    const decided = await store.expireGates();
    assert.equal(decided.length, 1);
    assert.equal(decided[0]!.decision.by, "timeout");
    assert.equal(decided[0]!.state, "PENDING");
    await waitFor(() => store.getJob(jobId)?.state === "COMPLETED", "the run completes after the timeout", {
      timeoutMs: 20_000,
    });
  });
});
