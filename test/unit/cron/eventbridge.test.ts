import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CronError, nextFireTimes, toEventBridgeExpression } from "../../../shared/cron/index.ts";

/** [Unix cron, EventBridge Scheduler expression] */
const CONVERSIONS: readonly (readonly [string, string])[] = [
  // the spec's examples
  ["0 9 * * MON", "cron(0 9 ? * MON *)"],
  ["0 */4 * * *", "cron(0 */4 * * ? *)"],
  // every day: day-of-month `*`, day-of-week `?`
  ["* * * * *", "cron(* * * * ? *)"],
  ["*/5 * * * *", "cron(*/5 * * * ? *)"],
  ["*/10 */6 * * *", "cron(*/10 */6 * * ? *)"],
  ["0 0 * * *", "cron(0 0 * * ? *)"],
  ["00 09 * * *", "cron(0 9 * * ? *)"],
  ["15,45 8-17 * * *", "cron(15,45 8-17 * * ? *)"],
  ["0 8-18/2 * * *", "cron(0 8,10,12,14,16,18 * * ? *)"],
  ["23 0-20/4 * * *", "cron(23 0,4,8,12,16,20 * * ? *)"],
  ["5 0 * 8 *", "cron(5 0 * 8 ? *)"],
  // day-of-week renumbering (Unix 0/7 = Sunday; EventBridge 1 = Sunday, written as names)
  ["30 6 * * 0", "cron(30 6 ? * SUN *)"],
  ["30 6 * * 7", "cron(30 6 ? * SUN *)"],
  ["30 6 * * SUN", "cron(30 6 ? * SUN *)"],
  ["0 9 * * 1", "cron(0 9 ? * MON *)"],
  ["00 09 * * 01", "cron(0 9 ? * MON *)"],
  ["0 9 * * 6", "cron(0 9 ? * SAT *)"],
  ["0 9 * * 1-5", "cron(0 9 ? * MON-FRI *)"],
  ["0 9 * * MON-FRI", "cron(0 9 ? * MON-FRI *)"],
  ["0 9 * * mon-fri", "cron(0 9 ? * MON-FRI *)"],
  ["0 22 * * 1-5", "cron(0 22 ? * MON-FRI *)"],
  ["0 9 * * 1,3,5", "cron(0 9 ? * MON,WED,FRI *)"],
  ["0 9 * * 1,2,3", "cron(0 9 ? * MON-WED *)"],
  ["0 9 * * 1-2", "cron(0 9 ? * MON,TUE *)"],
  ["0 9 * * 2-4,6", "cron(0 9 ? * TUE-THU,SAT *)"],
  ["0 9 * * 6,0", "cron(0 9 ? * SUN,SAT *)"],
  ["0 9 * * 6-7", "cron(0 9 ? * SUN,SAT *)"],
  ["0 9 * * 5-7", "cron(0 9 ? * SUN,FRI,SAT *)"],
  ["0 9 * * FRI-SUN", "cron(0 9 ? * SUN,FRI,SAT *)"],
  ["0 9 * * */2", "cron(0 9 ? * SUN,TUE,THU,SAT *)"],
  ["0 9 * * */3", "cron(0 9 ? * SUN,WED,SAT *)"],
  ["0 9 * * 1-5/2", "cron(0 9 ? * MON,WED,FRI *)"],
  ["0 12 * 6-8 SAT", "cron(0 12 ? 6-8 SAT *)"],
  ["15,45 8-17 * * MON-FRI", "cron(15,45 8-17 ? * MON-FRI *)"],
  // a day-of-week field that covers every day restricts nothing
  ["0 9 * * 0-6", "cron(0 9 * * ? *)"],
  ["0 9 * * 0-7", "cron(0 9 * * ? *)"],
  // day-of-month
  ["0 0 1 * *", "cron(0 0 1 * ? *)"],
  ["59 23 31 12 *", "cron(59 23 31 12 ? *)"],
  ["0 0 1,15 * *", "cron(0 0 1,15 * ? *)"],
  ["0 0 1-7 * *", "cron(0 0 1-7 * ? *)"],
  ["0 4 8-14 * *", "cron(0 4 8-14 * ? *)"],
  ["0 0 */2 * *", "cron(0 0 1/2 * ? *)"],
  ["0 0 1-31/10 * *", "cron(0 0 1,11,21,31 * ? *)"],
  // month names and steps
  ["0 0 1 JAN *", "cron(0 0 1 JAN ? *)"],
  ["0 0 1 1 *", "cron(0 0 1 1 ? *)"],
  ["0 0 1 jan-mar *", "cron(0 0 1 JAN-MAR ? *)"],
  ["0 0 1 JAN,jul *", "cron(0 0 1 JAN,JUL ? *)"],
  ["0 0 1 */3 *", "cron(0 0 1 1/3 ? *)"],
  ["0 0,12 1 */2 *", "cron(0 0,12 1 1/2 ? *)"],
  // Vixie's day rule: ORed fields where one covers every day = every day; a `*`-led field ANDs
  ["0 9 1-31 * MON", "cron(0 9 * * ? *)"],
  ["0 9 1 * 0-6", "cron(0 9 * * ? *)"],
  ["0 9 */1 * MON", "cron(0 9 ? * MON *)"],
  ["0 9 1 * */1", "cron(0 9 1 * ? *)"],
];

/**
 * Reads an EventBridge expression back as Unix cron, independently of the converter: EventBridge
 * day-of-week numbers and names count from SUN = 1, `?` means no restriction, `1/n` starts at 1.
 */
function eventBridgeAsUnix(expression: string): string {
  const match = /^cron\((.*)\)$/.exec(expression);
  assert.ok(match, `not a cron() expression: ${expression}`);
  const fields = (match[1] as string).split(" ");
  assert.equal(fields.length, 6, `EventBridge cron has 6 fields: ${expression}`);
  assert.equal(fields[5], "*");
  assert.ok(
    (fields[2] === "?") !== (fields[4] === "?"),
    `exactly one of day-of-month and day-of-week is "?": ${expression}`,
  );
  const ebDay: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };
  const unixDay = (token: string): string => String((ebDay[token] ?? Number(token)) - 1);
  const dow =
    fields[4] === "?"
      ? "*"
      : (fields[4] as string)
          .split(",")
          .map((item) => item.split("-").map(unixDay).join("-"))
          .join(",");
  const startOne = (f: string) => (f === "?" ? "*" : f.replace(/^1\//, "*/"));
  return [fields[0], fields[1], startOne(fields[2] as string), startOne(fields[3] as string), dow].join(" ");
}

describe("toEventBridgeExpression", () => {
  it(`has at least 40 conversion cases (${CONVERSIONS.length})`, () => {
    assert.ok(CONVERSIONS.length >= 40);
  });

  for (const [unix, eventBridge] of CONVERSIONS) {
    it(`${unix}  ->  ${eventBridge}`, () => {
      assert.equal(toEventBridgeExpression(unix), eventBridge);
    });
  }

  it("every conversion fires at the same times as the original (EventBridge fields read back independently)", () => {
    const start = new Date("2026-01-01T00:00:00Z");
    for (const [unix, eventBridge] of CONVERSIONS) {
      const back = eventBridgeAsUnix(eventBridge);
      const a = nextFireTimes(unix, "UTC", start, 30).map((d) => d.toISOString());
      const b = nextFireTimes(back, "UTC", start, 30).map((d) => d.toISOString());
      assert.equal(a.length, 30, unix);
      assert.deepEqual(b, a, `${unix} -> ${eventBridge} read back as ${back}`);
    }
  });

  it("refuses day-of-month OR day-of-week (both restricted) and says how to split it", () => {
    assert.throws(
      () => toEventBridgeExpression("0 9 1 * MON"),
      (err: unknown) => {
        assert.ok(err instanceof CronError);
        assert.match(err.message, /EventBridge Scheduler cannot express "0 9 1 \* MON"/);
        assert.match(err.message, /day-of-month "1" OR the day-of-week "MON"/);
        assert.match(err.message, /Split it into two schedules: "0 9 1 \* \*" and "0 9 \* \* MON"/);
        return true;
      },
    );
    assert.throws(
      () => toEventBridgeExpression("30 8 1-15 JAN 1-5"),
      /Split it into two schedules: "30 8 1-15 JAN \*" and "30 8 \* JAN 1-5"/,
    );
  });

  it("refuses day-of-month AND day-of-week (a `*`-led day field with the other restricted)", () => {
    assert.throws(
      () => toEventBridgeExpression("0 9 */2 * MON"),
      /cannot express "0 9 \*\/2 \* MON": Unix cron runs it only on days matching both/,
    );
    assert.throws(() => toEventBridgeExpression("0 9 13 * */2"), /only on days matching both/);
  });

  it("refuses what is not Unix cron before converting", () => {
    assert.throws(() => toEventBridgeExpression("0 0 L * ?"), CronError);
    assert.throws(() => toEventBridgeExpression("0 9 ? * MON *"), /6 fields/);
    assert.throws(() => toEventBridgeExpression("cron(0 9 ? * MON *)"), /EventBridge schedule expression/);
  });
});
