/**
 * Schedules on a test clock (TEST-ONLY env: EVD_TEST_CLOCK_SPEED=60 makes a cron minute pass in a
 * real second; EVD_TEST_CLOCK_OFFSET_MS moves the scheduler's clock ahead): an every-2-minutes cron
 * fires on its slots; after a restart "an hour later", the missed run is caught up ONCE (the latest
 * slot), with {last_run} the previous run.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  history,
  startDaemonProcess,
  tempDir,
  waitFor,
  writeConfig,
  type HistoryRow,
} from "./helpers/daemon-process.ts";

const CONFIG = `
sources:
  - type: schedule
    name: tick
    cron: "*/2 * * * *"
    timezone: Europe/Paris
    handler: on-tick
handlers:
  on-tick:
    steps:
      - prompt: "slot={event.timestamp} catch_up={payload.catch_up} last={last_run}"
        default: "no"
persist_last_run: true
state_file: state/event-state.json
`;

function slotOf(h: HistoryRow): string {
  return h.event_id.replace(/^schedule:tick:/, "");
}

describe("e2e: schedules", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let configPath = "";
  before(async () => {
    tmp = await tempDir("schedule");
    configPath = await writeConfig(tmp.dir, "evd.yaml", CONFIG);
  });
  after(() => tmp.cleanup());

  it("fires on its cron slots, then catches up a missed run once after a restart", async () => {
    const first = await startDaemonProcess({ configPath, env: { EVD_TEST_CLOCK_SPEED: "60" } });
    let runs: HistoryRow[] = [];
    try {
      runs = await waitFor(async () => {
        const h = (await history(first)).filter((r) => r.status === "succeeded");
        return h.length >= 2 ? h : undefined;
      }, "two scheduled runs");
      const status = await first.admin.call<{ sources: { name: string; next_fire_time?: string }[] }>("GET", "/status");
      assert.match(status.sources[0]!.next_fire_time ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    } finally {
      assert.equal(await first.stop(), 0);
    }
    runs = runs.sort((a, b) => slotOf(a).localeCompare(slotOf(b)));
    for (const r of runs) {
      assert.match(r.event_id, /^schedule:tick:\d{4}-\d\d-\d\dT\d\d:\d[02468]:00\.000Z$/);
      assert.match(String(r.output), /catch_up=no/);
    }
    // Every slot after the first knows the one before it.
    assert.ok(String(runs[1]!.output).includes(`last=${slotOf(runs[0]!)}`), String(runs[1]!.output));

    // Stopped for "an hour": some 30 slots missed.
    const second = await startDaemonProcess({
      configPath,
      env: { EVD_TEST_CLOCK_SPEED: "60", EVD_TEST_CLOCK_OFFSET_MS: String(60 * 60 * 1000) },
    });
    try {
      const lastBefore = slotOf(
        await waitFor(async () => {
          const all = await history(second);
          return all
            .filter((r) => String(r.output).includes("catch_up=no"))
            .sort((a, b) => slotOf(b).localeCompare(slotOf(a)))[0];
        }, "the runs from before the restart"),
      );
      const catchUp = await waitFor(
        async () => (await history(second)).find((r) => String(r.output).includes("catch_up=true")),
        "the catch-up run",
      );
      // Let the next regular slots run too, so a second catch-up would have had the time to show.
      await waitFor(
        async () => (await history(second)).some((r) => slotOf(r) > slotOf(catchUp)),
        "a regular run after the catch-up",
      );
      const all = await history(second);
      assert.equal(all.filter((r) => String(r.output).includes("catch_up=true")).length, 1);
      assert.ok(String(catchUp.output).includes(`last=${lastBefore}`), String(catchUp.output));
      assert.ok(Date.parse(slotOf(catchUp)) - Date.parse(lastBefore) > 50 * 60 * 1000);
      const between = all.filter((r) => slotOf(r) > lastBefore && slotOf(r) < slotOf(catchUp));
      assert.deepEqual(between.map(slotOf), [], "missed slots must not run one by one");
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});
