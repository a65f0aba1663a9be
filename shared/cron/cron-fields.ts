/** The five fields of a Unix (Vixie/cronie) crontab time specification, in order. */

export interface CronFieldSpec {
  /** Used in error messages: "day-of-month". */
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Three-letter names (upper case) -> value; only month and day-of-week have them. */
  readonly names?: Readonly<Record<string, number>>;
  /** How many distinct values the field can take (day-of-week: 7, since 7 and 0 are both Sunday). */
  readonly distinct: number;
}

export const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
] as const;
export const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

export const CRON_FIELDS = {
  minute: { label: "minute", min: 0, max: 59, distinct: 60 },
  hour: { label: "hour", min: 0, max: 23, distinct: 24 },
  dayOfMonth: { label: "day-of-month", min: 1, max: 31, distinct: 31 },
  month: {
    label: "month",
    min: 1,
    max: 12,
    distinct: 12,
    names: Object.fromEntries(MONTH_NAMES.map((name, i) => [name, i + 1])),
  },
  dayOfWeek: {
    label: "day-of-week",
    min: 0,
    max: 7,
    distinct: 7,
    names: Object.fromEntries(DAY_NAMES.map((name, i) => [name, i])),
  },
} as const satisfies Record<string, CronFieldSpec>;

export type CronFieldName = keyof typeof CRON_FIELDS;
export const CRON_FIELD_ORDER = [
  "minute",
  "hour",
  "dayOfMonth",
  "month",
  "dayOfWeek",
] as const satisfies readonly CronFieldName[];
