import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextFireTime } from "../../../../shared/cron/next-fire-time.ts";
import {
  createScheduler,
  latestSlotBetween,
  MAX_TIMER_MS,
  type Firing,
  type Timers,
} from "../../../../local/daemon/scheduler.ts";
import type { LastRunStore } from "../../../../shared/ports/last-run-store.ts";
import { silentLogger } from "../../../../shared/logging/logger.ts";
import { schedulerTimeFromEnv } from "../../../../local/daemon/test-clock.ts";

/** A test clock whose timers fire only when the test advances it. */
class TestClock implements Timers {
  private t: number;
  private seq = 0;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  readonly delays: number[] = [];
  constructor(start: string) {
    this.t = Date.parse(start);
  }
  now = (): number => this.t;
  setTimeout(fn: () => void, ms: number): unknown {
    this.delays.push(ms);
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward, firing due timers in order and letting their promises settle. */
  async advanceTo(iso: string): Promise<void> {
    const end = Date.parse(iso);
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const due = [...this.timers.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = end;
    await new Promise((r) => setImmediate(r));
  }
}

class MapLastRun implements LastRunStore {
  readonly map = new Map<string, number>();
  async get(name: string) {
    return this.map.get(name);
  }
  async set(name: string, at: number) {
    this.map.set(name, at);
  }
}

function collect(): { fired: Firing[]; fire: (f: Firing) => Promise<void> } {
  const fired: Firing[] = [];
  return {
    fired,
    fire: async (f) => {
      fired.push(f);
    },
  };
}

describe("scheduler", () => {
  it("fires each slot of its cron at the slot's time", async () => {
    const clock = new TestClock("2026-03-02T10:00:30Z");
    const { fired, fire } = collect();
    const s = createScheduler({
      schedules: [{ name: "tick", cron: "* * * * *", timezone: "UTC" }],
      nextFireTime,
      fire,
      clock,
      timers: clock,
      logger: silentLogger,
    });
    await s.start();
    assert.equal(s.nextFireTimes().tick, "2026-03-02T10:01:00.000Z");
    await clock.advanceTo("2026-03-02T10:03:10Z");
    s.stop();
    assert.deepEqual(
      fired.map((f) => f.scheduledTime.toISOString()),
      ["2026-03-02T10:01:00.000Z", "2026-03-02T10:02:00.000Z", "2026-03-02T10:03:00.000Z"],
    );
    assert.ok(fired.every((f) => !f.catchUp));
  });

  it("keeps wall-clock time across a DST change (Europe/Paris, 09:00 daily)", async () => {
    const clock = new TestClock("2026-03-27T12:00:00Z");
    const { fired, fire } = collect();
    const s = createScheduler({
      schedules: [{ name: "daily", cron: "0 9 * * *", timezone: "Europe/Paris" }],
      nextFireTime,
      fire,
      clock,
      timers: clock,
      logger: silentLogger,
    });
    await s.start();
    await clock.advanceTo("2026-03-30T12:00:00Z");
    s.stop();
    // CET (UTC+1) until Sunday 29 March 2026, CEST (UTC+2) after.
    assert.deepEqual(
      fired.map((f) => f.scheduledTime.toISOString()),
      ["2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z", "2026-03-30T07:00:00.000Z"],
    );
  });

  it("splits sleeps longer than the timer limit and still fires on time", async () => {
    const clock = new TestClock("2026-02-01T00:00:00Z");
    const { fired, fire } = collect();
    const s = createScheduler({
      schedules: [{ name: "yearly", cron: "0 0 1 1 *", timezone: "UTC" }],
      nextFireTime,
      fire,
      clock,
      timers: clock,
      logger: silentLogger,
    });
    await s.start();
    await clock.advanceTo("2027-01-01T00:00:01Z");
    s.stop();
    assert.deepEqual(
      fired.map((f) => f.scheduledTime.toISOString()),
      ["2027-01-01T00:00:00.000Z"],
    );
    assert.ok(clock.delays.every((d) => d <= MAX_TIMER_MS && d >= 0));
    assert.ok(clock.delays.length > 1);
  });

  it("catches up ONE missed slot on start, the latest, with the previous run", async () => {
    const clock = new TestClock("2026-03-05T12:00:00Z");
    const lastRun = new MapLastRun();
    lastRun.map.set("hourly", Date.parse("2026-03-02T09:00:00Z"));
    const { fired, fire } = collect();
    const s = createScheduler({
      schedules: [{ name: "hourly", cron: "0 * * * *", timezone: "UTC" }],
      nextFireTime,
      fire,
      lastRun,
      clock,
      timers: clock,
      logger: silentLogger,
    });
    await s.start();
    s.stop();
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.catchUp, true);
    assert.equal(fired[0]!.scheduledTime.toISOString(), "2026-03-05T12:00:00.000Z");
    assert.equal(fired[0]!.lastRun?.toISOString(), "2026-03-02T09:00:00.000Z");
  });

  it("does not catch up when nothing was missed, nothing ran before, or persistence is off", async () => {
    const clock = new TestClock("2026-03-05T12:30:00Z");
    const lastRun = new MapLastRun();
    lastRun.map.set("hourly", Date.parse("2026-03-05T12:00:00Z"));
    const { fired, fire } = collect();
    const specs = [
      { name: "hourly", cron: "0 * * * *", timezone: "UTC" },
      { name: "never-ran", cron: "0 * * * *", timezone: "UTC" },
    ];
    const s = createScheduler({
      schedules: specs,
      nextFireTime,
      fire,
      lastRun,
      clock,
      timers: clock,
      logger: silentLogger,
    });
    await s.start();
    s.stop();
    const off = createScheduler({
      schedules: [{ name: "hourly", cron: "* * * * *", timezone: "UTC" }],
      nextFireTime,
      fire,
      clock,
      timers: clock,
      logger: silentLogger,
    });
    await off.start();
    off.stop();
    assert.equal(fired.length, 0);
  });

  it("reports a failing fire and keeps the schedule going", async () => {
    const clock = new TestClock("2026-03-02T10:00:30Z");
    const errors: string[] = [];
    let calls = 0;
    const s = createScheduler({
      schedules: [{ name: "tick", cron: "* * * * *", timezone: "UTC" }],
      nextFireTime,
      fire: async () => {
        calls++;
        if (calls === 1) throw new Error("queue full");
      },
      onError: (_spec, err) => errors.push((err as Error).message),
      clock,
      timers: clock,
      logger: silentLogger,
    });
    await s.start();
    await clock.advanceTo("2026-03-02T10:02:10Z");
    s.stop();
    assert.equal(calls, 2);
    assert.deepEqual(errors, ["queue full"]);
  });

  it("stops: no timer left, no next fire time", async () => {
    const clock = new TestClock("2026-03-02T10:00:30Z");
    const { fired, fire } = collect();
    const s = createScheduler({
      schedules: [{ name: "tick", cron: "* * * * *", timezone: "UTC" }],
      nextFireTime,
      fire,
      clock,
      timers: clock,
      logger: silentLogger,
    });
    await s.start();
    s.stop();
    assert.equal(clock.timers.size, 0);
    assert.equal(s.nextFireTimes().tick, null);
    await clock.advanceTo("2026-03-02T10:05:00Z");
    assert.equal(fired.length, 0);
  });

  it("finds the latest slot in a window cheaply for sparse and dense crons", () => {
    const weekly = { name: "w", cron: "0 9 * * MON", timezone: "UTC" };
    assert.equal(
      latestSlotBetween(
        nextFireTime,
        weekly,
        new Date("2026-01-01T00:00:00Z"),
        new Date("2026-03-04T00:00:00Z"),
      )?.toISOString(),
      "2026-03-02T09:00:00.000Z",
    );
    assert.equal(
      latestSlotBetween(nextFireTime, weekly, new Date("2026-03-02T09:00:00Z"), new Date("2026-03-04T00:00:00Z")),
      null,
    );
    const minutely = { name: "m", cron: "* * * * *", timezone: "UTC" };
    assert.equal(
      latestSlotBetween(
        nextFireTime,
        minutely,
        new Date("2025-01-01T00:00:00Z"),
        new Date("2026-03-04T00:00:30Z"),
      )?.toISOString(),
      "2026-03-04T00:00:00.000Z",
    );
  });

  it("TEST-ONLY clock: offset and speed from the environment, real time otherwise", async () => {
    assert.equal(schedulerTimeFromEnv({}).test, false);
    let real = 1_000_000;
    const t = schedulerTimeFromEnv({ EVD_TEST_CLOCK_OFFSET_MS: "3600000", EVD_TEST_CLOCK_SPEED: "60" }, () => real);
    assert.equal(t.clock.now(), 1_000_000 + 3_600_000);
    real += 1_000;
    assert.equal(t.clock.now(), 1_000_000 + 3_600_000 + 60_000);
    assert.throws(() => schedulerTimeFromEnv({ EVD_TEST_CLOCK_SPEED: "0" }), /EVD_TEST_CLOCK_SPEED/);
    assert.throws(() => schedulerTimeFromEnv({ EVD_TEST_CLOCK_OFFSET_MS: "soon" }), /EVD_TEST_CLOCK_OFFSET_MS/);
  });
});
