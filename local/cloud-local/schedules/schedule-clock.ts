/**
 * Fires the schedules stored in the Scheduler emulator at their times, as EventBridge Scheduler
 * would: only ENABLED ones (so `evd cloud pause NAME` stops a schedule here too), each at its next
 * time after now, with the target's retry policy (backoff, at most MaximumRetryAttempts within
 * MaximumEventAgeInSeconds) and its dead-letter queue after that. Re-plans whenever a schedule
 * is created, changed or deleted.
 */
import { SendMessageCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import type { SchedulerEmulator, StoredSchedule } from "../emulators/scheduler-emulator.ts";
import { deliverFiring, firingInput, type FiringTargets } from "./schedule-firing.ts";
import { nextFiring, parseScheduleExpression, scheduledTimeText } from "./schedule-expression.ts";

export interface PlannedFiring {
  readonly name: string;
  readonly group: string;
  readonly expression: string;
  readonly timezone: string;
  readonly state: string;
  readonly next: Date | null;
  /** Why it does not fire by itself (unsupported expression). */
  readonly note?: string;
}

export interface ScheduleClockOptions {
  readonly emulator: SchedulerEmulator;
  readonly targets: FiringTargets;
  readonly log: (line: string) => void;
  readonly now?: () => Date;
}

/** Longest single timer (setTimeout's limit is about 24.8 days); the clock re-plans after it. */
const MAX_TIMER_MS = 3_600_000;

export class ScheduleClock {
  readonly #opts: ScheduleClockOptions;
  readonly #now: () => Date;
  /** Next firing per `<group>/<name>`, kept across re-plans so a change does not fire twice. */
  readonly #next = new Map<string, Date | null>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  readonly #deliveries = new Set<Promise<void>>();

  constructor(opts: ScheduleClockOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? (() => new Date());
    opts.emulator.onChange(() => {
      if (this.#running) this.#plan();
    });
  }

  start(): void {
    this.#running = true;
    this.#plan();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await Promise.allSettled(this.#deliveries);
  }

  /** What fires next, for the banner and `status`. */
  plan(): PlannedFiring[] {
    return [...this.#opts.emulator.schedules.entries()].map(([key, s]) => {
      const timing = parseScheduleExpression(s.ScheduleExpression, s.ScheduleExpressionTimezone ?? "UTC");
      return {
        name: s.Name,
        group: s.GroupName,
        expression: s.ScheduleExpression,
        timezone: s.ScheduleExpressionTimezone ?? "UTC",
        state: s.State,
        next: s.State === "ENABLED" ? (this.#next.get(key) ?? null) : null,
        ...(timing.kind === "unsupported" ? { note: timing.reason } : {}),
      };
    });
  }

  #plan(): void {
    clearTimeout(this.#timer);
    const now = this.#now();
    const live = new Set<string>();
    for (const [key, s] of this.#opts.emulator.schedules) {
      live.add(key);
      if (s.State !== "ENABLED") {
        this.#next.delete(key);
        continue;
      }
      const known = this.#next.get(key);
      if (known && known > now) continue;
      this.#next.set(key, this.#nextOf(s, now));
    }
    for (const key of [...this.#next.keys()]) if (!live.has(key)) this.#next.delete(key);
    const soonest = Math.min(...[...this.#next.values()].flatMap((d) => (d ? [d.getTime()] : [])));
    if (!Number.isFinite(soonest)) return;
    this.#timer = setTimeout(() => this.#tick(), Math.min(MAX_TIMER_MS, Math.max(0, soonest - now.getTime())));
    this.#timer.unref?.();
  }

  #nextOf(s: StoredSchedule, after: Date): Date | null {
    const timing = parseScheduleExpression(s.ScheduleExpression, s.ScheduleExpressionTimezone ?? "UTC");
    const start = s.StartDate !== undefined ? new Date(s.StartDate * 1000) : new Date(s.CreationDate * 1000);
    return nextFiring(timing, after, {
      start,
      ...(s.EndDate !== undefined ? { end: new Date(s.EndDate * 1000) } : {}),
    });
  }

  #tick(): void {
    const now = this.#now();
    for (const [key, at] of this.#next) {
      if (!at || at > now) continue;
      const s = this.#opts.emulator.schedules.get(key);
      this.#next.set(key, s ? this.#nextOf(s, at) : null);
      if (!s || s.State !== "ENABLED") continue;
      const delivery = this.#deliver(s, at).finally(() => this.#deliveries.delete(delivery));
      this.#deliveries.add(delivery);
      if (/^at\(/.test(s.ScheduleExpression) && s.ActionAfterCompletion === "DELETE")
        this.#opts.emulator.remove(s.GroupName, s.Name);
    }
    this.#plan();
  }

  async #deliver(s: StoredSchedule, at: Date): Promise<void> {
    const retry = (s.Target.RetryPolicy ?? {}) as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
    const maxAttempts = 1 + (retry.MaximumRetryAttempts ?? 185);
    const maxAgeMs = (retry.MaximumEventAgeInSeconds ?? 86_400) * 1000;
    let lastError = "";
    for (let attempt = 1; attempt <= maxAttempts && this.#running; attempt++) {
      try {
        const f = await deliverFiring(s, at, this.#opts.targets, attempt);
        this.#opts.log(`${s.Name}: fired for ${f.scheduledTime} -> ${f.target}`);
        return;
      } catch (err) {
        lastError = (err as Error).message;
        const wait = Math.min(60_000, 1000 * 2 ** (attempt - 1));
        if (this.#now().getTime() + wait - at.getTime() > maxAgeMs) break;
        this.#opts.log(
          `${s.Name}: delivery for ${scheduledTimeText(at)} failed (${lastError}); retrying in ${wait / 1000} s`,
        );
        await new Promise((r) => setTimeout(r, wait).unref?.());
      }
    }
    await this.#deadLetter(s, at, lastError);
  }

  async #deadLetter(s: StoredSchedule, at: Date, error: string): Promise<void> {
    const dlq = (s.Target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
    const m = dlq ? /^arn:[^:]+:sqs:[^:]*:([^:]*):(.+)$/.exec(dlq) : null;
    if (!m) {
      this.#opts.log(
        `${s.Name}: the firing for ${scheduledTimeText(at)} is dropped (${error}); the target has no dead-letter queue`,
      );
      return;
    }
    try {
      const { QueueUrl } = await this.#opts.targets.sqs.send(
        new GetQueueUrlCommand({ QueueName: m[2]!, QueueOwnerAWSAccountId: m[1]! }),
      );
      await this.#opts.targets.sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: firingInput(s, at),
          MessageAttributes: {
            ERROR_CODE: { DataType: "String", StringValue: "DeliveryFailed" },
            ERROR_MESSAGE: { DataType: "String", StringValue: error.slice(0, 1000) || "delivery failed" },
            EXHAUSTED_RETRY_CONDITION: { DataType: "String", StringValue: "MaximumRetryAttempts" },
          },
        }),
      );
      this.#opts.log(`${s.Name}: the firing for ${scheduledTimeText(at)} went to the dead-letter queue (${error})`);
    } catch (err) {
      this.#opts.log(`${s.Name}: the firing for ${scheduledTimeText(at)} is lost: ${(err as Error).message}`);
    }
  }
}
