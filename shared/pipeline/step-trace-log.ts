/**
 * Collects the StepTrace of one run while the engine runs it: a StepObserver (step-observer.ts)
 * that keeps, per step, its rendered input, its output or error, its action and its timings, and
 * the steps a false condition skipped. Nested recipe steps go into the same list (their `where`
 * says `recipe <ref> ...`), in the order they started.
 * Values are kept as they are when small; a long text or a large value is cut to `maxValueChars`
 * and the whole trace to `maxTotalChars`, so a run's EventResult (history, the DynamoDB item) stays
 * small whatever a prompt or a diff weighs.
 */
import { StepTraceStatus, type StepTrace, type StepTraceKind } from "../events/step-trace.ts";
import type { StepEnd, StepObservation, StepObserver, StepStart } from "./step-observer.ts";

export interface StepTraceLimits {
  /** Characters kept of one input, output or error. @default 8192 */
  readonly maxValueChars?: number;
  /** Characters kept over the whole trace; later values are replaced by a note. @default 98304 */
  readonly maxTotalChars?: number;
  /** Steps recorded; later ones are counted, not kept. @default 200 */
  readonly maxSteps?: number;
}

interface Open {
  readonly seq: number;
  readonly step: string;
  readonly kind: string;
  readonly startedMs: number;
  input?: unknown;
}

export class StepTraceLog implements StepObserver {
  readonly #now: () => number;
  readonly #maxValue: number;
  readonly #maxSteps: number;
  #budget: number;
  /** With the order each step started in: nested steps finish before the step holding them. */
  readonly #entries: { readonly seq: number; readonly trace: StepTrace }[] = [];
  #seq = 0;
  #dropped = 0;

  constructor(now: () => number, limits: StepTraceLimits = {}) {
    this.#now = now;
    this.#maxValue = limits.maxValueChars ?? 8192;
    this.#budget = limits.maxTotalChars ?? 98_304;
    this.#maxSteps = limits.maxSteps ?? 200;
  }

  step(start: StepStart): StepObservation {
    const open: Open = { seq: this.#seq++, step: start.where, kind: start.kind, startedMs: this.#now() };
    return {
      prompt: () => {},
      // The latest attempt's input wins.
      input: (rendered) => (open.input = rendered),
      nested: this,
      end: (outcome) => this.#close(open, outcome),
    };
  }

  skipped(start: StepStart, reason: string): void {
    this.#push(this.#seq++, {
      step: start.where,
      kind: start.kind as StepTraceKind,
      status: StepTraceStatus.SKIPPED,
      reason,
      started_at: new Date(this.#now()).toISOString(),
      duration_ms: 0,
    });
  }

  /** The trace so far, in the order steps started. */
  entries(): StepTrace[] {
    const out = this.#entries.map((e) => e.trace);
    if (this.#dropped > 0)
      out.push({
        step: `(${this.#dropped} more steps not recorded)`,
        kind: "tool",
        status: StepTraceStatus.SKIPPED,
        started_at: new Date(this.#now()).toISOString(),
        duration_ms: 0,
      });
    return out;
  }

  #close(open: Open, end: StepEnd): void {
    const finished = this.#now();
    this.#push(open.seq, {
      step: open.step,
      kind: open.kind as StepTraceKind,
      status: end.error === undefined ? StepTraceStatus.SUCCEEDED : StepTraceStatus.FAILED,
      ...(end.action ? { action: end.action } : {}),
      ...(open.input !== undefined ? { input: this.#cut(open.input) } : {}),
      ...(end.error === undefined && end.output !== undefined ? { output: this.#cut(end.output) } : {}),
      ...(end.error !== undefined ? { error: this.#cut(end.error) as string } : {}),
      started_at: new Date(open.startedMs).toISOString(),
      duration_ms: Math.max(0, finished - open.startedMs),
    });
  }

  #push(seq: number, trace: StepTrace): void {
    if (this.#entries.length >= this.#maxSteps) {
      this.#dropped += 1;
      return;
    }
    let at = this.#entries.length;
    while (at > 0 && this.#entries[at - 1]!.seq > seq) at -= 1;
    this.#entries.splice(at, 0, { seq, trace });
  }

  /** The value as is when it fits, else its text cut with a note of how much was left out. */
  #cut(value: unknown): unknown {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    if (text === undefined) return value;
    const room = Math.min(this.#maxValue, Math.max(0, this.#budget));
    if (text.length <= room) {
      this.#budget -= text.length;
      return value;
    }
    this.#budget -= room;
    return room === 0
      ? `(not kept: the trace reached its size limit; ${text.length} characters)`
      : `${text.slice(0, room)}… (${text.length - room} more characters)`;
  }
}
