import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CronError, parseCron, validateCron } from "../../../shared/cron/index.ts";

const ACCEPTED = [
  "* * * * *",
  "0 9 * * MON",
  "0 */4 * * *",
  "*/15 9-17 * * 1-5",
  "0 0 1 JAN *",
  "0 0 1 jan,Jul *",
  "5,10,15 0 * * *",
  "0 0 * * 0",
  "0 0 * * 7",
  "0 0 * * SUN",
  "0 0 * * sat",
  "0 0 * * 5-7",
  "0 0 * * FRI-SUN",
  "0 0 1-31/10 * *",
  "0-59/20 * * * *",
  "59 23 31 12 *",
  "0 0 29 2 *",
  "0 12 * 6-8 SAT",
  "  0   9  *  *  MON  ",
  "0 9 13 * FRI",
  "*/60 * * * *",
  "0 0 * * */7",
];

/** [expression, part of the CronError message] */
const REFUSED: readonly (readonly [string, RegExp])[] = [
  ["", /it is empty; Unix cron has 5 fields/],
  ["0 9 * *", /it has 4 fields; Unix cron has exactly 5 \(minute hour day-of-month month day-of-week\)$/],
  ["0 0 9 * * MON", /it has 6 fields; .*a seconds or year field is a Quartz\/EventBridge extension, not Unix cron/],
  ["0 0 9 ? * MON *", /it has 7 fields; .*Quartz\/EventBridge extension/],
  ["@daily", /nicknames such as @daily are not accepted/],
  ["cron(0 9 ? * MON *)", /this is an EventBridge schedule expression/],
  ["0 0 L * *", /day-of-month "L": Quartz\/EventBridge extension `L` \(last\) is not Unix cron/],
  ["0 0 * * 5L", /day-of-week "5L": Quartz\/EventBridge extension `L` \(last\) is not Unix cron/],
  ["0 0 LW * *", /Quartz\/EventBridge extension `L` \(last\) is not Unix cron/],
  ["0 0 L-2 * *", /Quartz\/EventBridge extension `L`/],
  ["0 0 15W * *", /day-of-month "15W": Quartz\/EventBridge extension `W` \(nearest weekday\) is not Unix cron/],
  [
    "0 0 * * MON#2",
    /day-of-week "MON#2": Quartz\/EventBridge extension `#` \(nth weekday of the month\) is not Unix cron/,
  ],
  [
    "0 0 ? * MON",
    /day-of-month "\?": Quartz\/EventBridge extension `\?` \(no specific value\) is not Unix cron; use `\*`/,
  ],
  ["0 9 * * ?", /day-of-week "\?": Quartz\/EventBridge extension `\?`/],
  [
    "5/15 * * * *",
    /minute "5\/15": start\/step "5\/15" is a Quartz\/EventBridge extension, not Unix cron; write "5-59\/15"/,
  ],
  ["60 * * * *", /minute "60": 60 is out of range 0-59/],
  ["0 24 * * *", /hour "24": 24 is out of range 0-23/],
  ["0 0 0 * *", /day-of-month "0": 0 is out of range 1-31/],
  ["0 0 32 * *", /day-of-month "32": 32 is out of range 1-31/],
  ["0 0 * 13 *", /month "13": 13 is out of range 1-12/],
  ["0 0 * * 8", /day-of-week "8": 8 is out of range 0-7/],
  ["0 0 * * MONDAY", /"MONDAY" is not a number 0-7 or a name SUN-SAT/],
  ["0 0 * * JAN", /day-of-week "JAN": "JAN" is not a number 0-7 or a name SUN-SAT/],
  ["0 0 1 MON *", /month "MON": "MON" is not a number 1-12 or a name JAN-DEC/],
  [
    "0 0 * * FRI-MON",
    /range "FRI-MON" goes backwards; Unix cron ranges do not wrap around \(use a list, e.g. "5-7,0-1"\)/,
  ],
  ["0 17-9 * * *", /range "17-9" goes backwards/],
  ["*/0 * * * *", /step 0 in "\*\/0" must be between 1 and 60/],
  ["*/61 * * * *", /step 61 in "\*\/61" must be between 1 and 60/],
  ["*/x * * * *", /step "x" in "\*\/x" is not a whole number/],
  ["1/2/3 * * * *", /has more than one "\/"/],
  ["1,,2 * * * *", /empty list element/],
  ["1, * * * *", /empty list element/],
  ["1-2-3 * * * *", /"1-2-3" is not a value or a range a-b/],
  ["-5 * * * *", /"-5" is not a value or a range a-b/],
  ["a * * * *", /minute "a": "a" is not a number 0-59/],
  ["0 0 30 2 *", /it never fires/],
  ["0 0 31 4,6,9,11 *", /it never fires/],
];

describe("validateCron", () => {
  for (const expr of ACCEPTED) {
    it(`accepts ${JSON.stringify(expr)}`, () => {
      assert.doesNotThrow(() => validateCron(expr));
    });
  }

  for (const [expr, message] of REFUSED) {
    it(`refuses ${JSON.stringify(expr)}`, () => {
      assert.throws(
        () => validateCron(expr),
        (err: unknown) => {
          assert.ok(err instanceof CronError, `CronError expected, got ${String(err)}`);
          assert.equal(err.name, "CronError");
          assert.match(
            err.message,
            new RegExp(`^invalid cron ${JSON.stringify(expr).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `),
          );
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it("refuses non-strings with a CronError", () => {
    assert.throws(() => validateCron(42 as unknown as string), /must be a string, got number/);
  });
});

describe("parseCron", () => {
  it("resolves names, ranges, steps and lists to values; 7 and 0 are both Sunday", () => {
    const cron = parseCron("*/20 9-17/4 1,15 jan-MAR 5-7");
    assert.deepEqual(cron.minute.values, [0, 20, 40]);
    assert.deepEqual(cron.hour.values, [9, 13, 17]);
    assert.deepEqual(cron.dayOfMonth.values, [1, 15]);
    assert.deepEqual(cron.month.values, [1, 2, 3]);
    assert.deepEqual(cron.dayOfWeek.values, [0, 5, 6]);
    assert.deepEqual(parseCron("0 0 * * 0").dayOfWeek.values, parseCron("0 0 * * 7").dayOfWeek.values);
    assert.deepEqual(parseCron("0 0 * * FRI-SUN").dayOfWeek.values, [0, 5, 6]);
  });

  it("records which day fields start with `*` (Vixie cron's AND/OR switch) and which cover every value", () => {
    const cron = parseCron("0 0 */1 * 0-7");
    assert.equal(cron.dayOfMonth.startsWithStar, true);
    assert.equal(cron.dayOfMonth.isFull, true);
    assert.equal(cron.dayOfWeek.startsWithStar, false);
    assert.equal(cron.dayOfWeek.isFull, true);
    assert.equal(parseCron("0 0 1-30 * *").dayOfMonth.isFull, false);
  });
});
