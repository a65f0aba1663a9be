import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cron } from "croner";
import { CronError, nextFireTime, nextFireTimes } from "../../../shared/cron/index.ts";

const HOUR = 3_600_000;
const iso = (dates: readonly Date[]) => dates.map((d) => d.toISOString());

/** Local wall time "YYYY-MM-DD HH:MM" of an instant in a time zone (Intl, independent of the code under test). */
function local(date: Date, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(date)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** Fire times in [from, to). */
function firesBetween(expr: string, timeZone: string, from: string, to: string): Date[] {
  const end = new Date(to).getTime();
  return nextFireTimes(expr, timeZone, new Date(new Date(from).getTime() - 1), 500).filter((d) => d.getTime() < end);
}

describe("nextFireTime", () => {
  it("returns the first fire time strictly after the given instant", () => {
    assert.equal(
      nextFireTime("0 9 * * MON", "UTC", new Date("2026-01-01T00:00:00Z"))?.toISOString(),
      "2026-01-05T09:00:00.000Z",
    );
    assert.equal(
      nextFireTime("0 9 * * MON", "UTC", new Date("2026-01-05T09:00:00Z"))?.toISOString(),
      "2026-01-12T09:00:00.000Z",
    );
    assert.equal(
      nextFireTime("0 9 * * MON", "UTC", new Date("2026-01-05T08:59:59.999Z"))?.toISOString(),
      "2026-01-05T09:00:00.000Z",
    );
    assert.equal(
      nextFireTime("* * * * *", "UTC", new Date("2026-01-05T08:59:30.500Z"))?.toISOString(),
      "2026-01-05T09:00:00.000Z",
    );
  });

  it("evaluates the expression on the wall clock of the schedule's time zone", () => {
    assert.equal(
      nextFireTime("0 9 * * *", "Asia/Kolkata", new Date("2026-01-01T00:00:00Z"))?.toISOString(),
      "2026-01-01T03:30:00.000Z",
    );
    assert.equal(
      nextFireTime("0 9 * * *", "America/New_York", new Date("2026-01-01T00:00:00Z"))?.toISOString(),
      "2026-01-01T14:00:00.000Z",
    );
    assert.equal(
      nextFireTime("0 9 * * *", "America/New_York", new Date("2026-07-01T00:00:00Z"))?.toISOString(),
      "2026-07-01T13:00:00.000Z",
    );
    assert.equal(
      nextFireTime("0 9 * * *", "Europe/Berlin", new Date("2026-07-01T00:00:00Z"))?.toISOString(),
      "2026-07-01T07:00:00.000Z",
    );
  });

  it("treats 0 and 7 as Sunday, and names like numbers", () => {
    const start = new Date("2026-01-01T00:00:00Z");
    const sundays = iso(nextFireTimes("0 12 * * 0", "UTC", start, 5));
    assert.deepEqual(iso(nextFireTimes("0 12 * * 7", "UTC", start, 5)), sundays);
    assert.deepEqual(iso(nextFireTimes("0 12 * * sun", "UTC", start, 5)), sundays);
    for (const d of nextFireTimes("0 12 * * 0", "UTC", start, 5)) assert.equal(d.getUTCDay(), 0);
    assert.deepEqual(iso(nextFireTimes("0 0 1 JAN,JUL *", "UTC", start, 3)), [
      "2026-07-01T00:00:00.000Z",
      "2027-01-01T00:00:00.000Z",
      "2027-07-01T00:00:00.000Z",
    ]);
  });

  it("ORs day-of-month and day-of-week when both are restricted (Vixie cron)", () => {
    const fires = firesBetween("0 0 13 * FRI", "UTC", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    const expected: string[] = [];
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 24 * HOUR) {
      const day = new Date(t);
      if (day.getUTCDate() === 13 || day.getUTCDay() === 5) expected.push(day.toISOString());
    }
    assert.deepEqual(iso(fires), expected);
    assert.ok(
      fires.some((d) => d.getUTCDate() === 13 && d.getUTCDay() !== 5),
      "a 13th that is not a Friday fires",
    );
  });

  it("ANDs them when either day field starts with `*` (Vixie cron), e.g. odd days that are Mondays", () => {
    const fires = firesBetween("0 0 */2 * MON", "UTC", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    const expected: string[] = [];
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 24 * HOUR) {
      const day = new Date(t);
      if (day.getUTCDate() % 2 === 1 && day.getUTCDay() === 1) expected.push(day.toISOString());
    }
    assert.ok(expected.length > 10);
    assert.deepEqual(iso(fires), expected);
  });

  it("agrees with croner's own evaluation in UTC where croner follows Vixie cron", () => {
    const start = new Date("2026-02-03T04:05:06Z");
    for (const expr of [
      "*/7 * * * *",
      "0 */4 * * *",
      "30 9 * * 1-5",
      "0 0 1 */3 *",
      "15 10 1,15 * *",
      "0 12 * 6-8 SAT",
      "0 0 13 * 5",
      "45 23 * * 0",
    ]) {
      const reference = new Cron(expr, { timezone: "Etc/UTC", legacyMode: true }).nextRuns(15, start);
      assert.deepEqual(iso(nextFireTimes(expr, "UTC", start, 15)), iso(reference), expr);
    }
  });

  it("returns Feb 29 schedules only in leap years", () => {
    assert.deepEqual(iso(nextFireTimes("0 0 29 2 *", "UTC", new Date("2026-01-01T00:00:00Z"), 2)), [
      "2028-02-29T00:00:00.000Z",
      "2032-02-29T00:00:00.000Z",
    ]);
  });

  it("refuses a bad expression, an unknown time zone, an invalid date and a bad count", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    assert.throws(() => nextFireTime("0 0 L * *", "UTC", now), CronError);
    assert.throws(() => nextFireTime("0 9 * * *", "Mars/Olympus_Mons", now), /unknown time zone "Mars\/Olympus_Mons"/);
    assert.throws(() => nextFireTime("0 9 * * *", "", now), CronError);
    assert.throws(() => nextFireTime("0 9 * * *", "UTC", new Date("not a date")), /"after" must be a valid Date/);
    assert.throws(() => nextFireTimes("0 9 * * *", "UTC", now, -1), /count must be a whole number/);
    assert.deepEqual(nextFireTimes("0 9 * * *", "UTC", now, 0), []);
  });
});

describe("nextFireTime across daylight-saving changes", () => {
  // America/New_York 2026: clocks go 02:00 EST -> 03:00 EDT on March 8 (07:00 UTC),
  // and 02:00 EDT -> 01:00 EST on November 1 (06:00 UTC).
  // Europe/Berlin 2026: 02:00 CET -> 03:00 CEST on March 29 (01:00 UTC),
  // and 03:00 CEST -> 02:00 CET on October 25 (01:00 UTC).

  it("a daily 02:30 job runs once on the spring-forward day, when the clock jumps past it (New York)", () => {
    const fires = nextFireTimes("30 2 * * *", "America/New_York", new Date("2026-03-07T12:00:00Z"), 3);
    assert.deepEqual(iso(fires), ["2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z", "2026-03-10T06:30:00.000Z"]);
    assert.deepEqual(
      fires.map((d) => local(d, "America/New_York")),
      ["2026-03-08 03:00", "2026-03-09 02:30", "2026-03-10 02:30"],
    );
  });

  it("a daily 02:30 job runs once on the spring-forward day (Berlin)", () => {
    const fires = nextFireTimes("30 2 * * *", "Europe/Berlin", new Date("2026-03-28T12:00:00Z"), 2);
    assert.deepEqual(
      fires.map((d) => local(d, "Europe/Berlin")),
      ["2026-03-29 03:00", "2026-03-30 02:30"],
    );
  });

  it("several fixed times inside the skipped hour still run once, and not again at 03:00", () => {
    const fires = nextFireTimes("0,30 2,3 * * *", "America/New_York", new Date("2026-03-08T05:00:00Z"), 3);
    assert.deepEqual(
      fires.map((d) => local(d, "America/New_York")),
      ["2026-03-08 03:00", "2026-03-08 03:30", "2026-03-09 02:00"],
    );
  });

  it("a wildcard job has no run in the skipped hour and no catch-up (cronie)", () => {
    const fires = nextFireTimes("*/30 2 * * *", "America/New_York", new Date("2026-03-08T05:00:00Z"), 2);
    assert.deepEqual(
      fires.map((d) => local(d, "America/New_York")),
      ["2026-03-09 02:00", "2026-03-09 02:30"],
    );
  });

  it("an hourly job runs 23 times on the spring-forward day, one real hour apart", () => {
    for (const [tz, from, to] of [
      ["America/New_York", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"],
      ["Europe/Berlin", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"],
    ] as const) {
      const fires = firesBetween("0 * * * *", tz, from, to);
      assert.equal(fires.length, 23, tz);
      for (let i = 1; i < fires.length; i++)
        assert.equal((fires[i] as Date).getTime() - (fires[i - 1] as Date).getTime(), HOUR, tz);
      assert.ok(!fires.some((d) => local(d, tz).endsWith(" 02:00")), `${tz}: 02:00 does not exist that day`);
    }
  });

  it("an hourly job runs 25 times on the fall-back day: both 01:00s in New York, both 02:00s in Berlin", () => {
    const ny = firesBetween("0 * * * *", "America/New_York", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z");
    assert.equal(ny.length, 25);
    for (let i = 1; i < ny.length; i++) assert.equal((ny[i] as Date).getTime() - (ny[i - 1] as Date).getTime(), HOUR);
    assert.deepEqual(
      ny.slice(0, 4).map((d) => local(d, "America/New_York")),
      ["2026-11-01 00:00", "2026-11-01 01:00", "2026-11-01 01:00", "2026-11-01 02:00"],
    );
    assert.deepEqual(iso(ny.slice(1, 3)), ["2026-11-01T05:00:00.000Z", "2026-11-01T06:00:00.000Z"]);

    const berlin = firesBetween("0 * * * *", "Europe/Berlin", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z");
    assert.equal(berlin.length, 25);
    assert.deepEqual(iso(berlin.slice(2, 4)), ["2026-10-25T00:00:00.000Z", "2026-10-25T01:00:00.000Z"]);
    assert.deepEqual(
      berlin.slice(2, 4).map((d) => local(d, "Europe/Berlin")),
      ["2026-10-25 02:00", "2026-10-25 02:00"],
    );
  });

  it("every-15-minutes runs every real 15 minutes through the repeated hour", () => {
    const fires = firesBetween("*/15 * * * *", "Europe/Berlin", "2026-10-24T23:30:00Z", "2026-10-25T02:30:00Z");
    assert.equal(fires.length, 12);
    for (let i = 1; i < fires.length; i++)
      assert.equal((fires[i] as Date).getTime() - (fires[i - 1] as Date).getTime(), 15 * 60_000);
  });

  it("a fixed-time job in the repeated hour runs once, at the first occurrence", () => {
    assert.deepEqual(iso(nextFireTimes("30 1 * * *", "America/New_York", new Date("2026-10-31T12:00:00Z"), 2)), [
      "2026-11-01T05:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
    ]);
    assert.deepEqual(iso(nextFireTimes("30 2 * * *", "Europe/Berlin", new Date("2026-10-24T12:00:00Z"), 2)), [
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("asked from inside the repeated hour: a fixed job waits for tomorrow, a wildcard job runs in the second pass", () => {
    const secondPass = new Date("2026-11-01T06:10:00Z"); // 01:10 EST, the second 01:10 of the day
    assert.equal(local(secondPass, "America/New_York"), "2026-11-01 01:10");
    assert.equal(nextFireTime("30 1 * * *", "America/New_York", secondPass)?.toISOString(), "2026-11-02T06:30:00.000Z");
    assert.equal(nextFireTime("30 * * * *", "America/New_York", secondPass)?.toISOString(), "2026-11-01T06:30:00.000Z");
    const firstPass = new Date("2026-11-01T05:40:00Z"); // 01:40 EDT
    assert.equal(nextFireTime("15 * * * *", "America/New_York", firstPass)?.toISOString(), "2026-11-01T06:15:00.000Z");
  });

  it("the spec's schedules keep their wall-clock time across DST", () => {
    const mondays = nextFireTimes("0 9 * * MON", "Europe/Berlin", new Date("2026-03-20T00:00:00Z"), 3);
    assert.deepEqual(
      mondays.map((d) => local(d, "Europe/Berlin")),
      ["2026-03-23 09:00", "2026-03-30 09:00", "2026-04-06 09:00"],
    );
    assert.deepEqual(iso(mondays), [
      "2026-03-23T08:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
      "2026-04-06T07:00:00.000Z",
    ]);
    const everyFour = firesBetween("0 */4 * * *", "America/New_York", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z");
    assert.deepEqual(
      everyFour.map((d) => local(d, "America/New_York").slice(11)),
      ["00:00", "04:00", "08:00", "12:00", "16:00", "20:00"],
    );
  });
});
