/**
 * The daemon's stop, as named steps run in one fixed order whatever order start-up registered
 * them in: sources stop taking input first, running jobs finish (or go back to the queue), then
 * the admin API, the store, the pid file and, last, the state-folder lock. A step that fails is
 * logged and the rest still run; each step runs at most once.
 */
export const ShutdownStep = {
  WATCHERS: "watchers",
  SCHEDULER: "scheduler",
  WEBHOOKS: "webhooks",
  SOURCES_STOPPED: "sources stopped",
  WORKER: "worker",
  ADMIN: "admin API",
  /** Trace exporters flushed, after the worker stopped, before the store closes. */
  GUARDRAILS: "guardrails",
  STORE: "store",
  PID_FILE: "pid file",
  LOCK: "state-folder lock",
} as const;
export type ShutdownStep = (typeof ShutdownStep)[keyof typeof ShutdownStep];

const ORDER: readonly ShutdownStep[] = Object.values(ShutdownStep);

export class ShutdownSteps {
  private readonly steps = new Map<ShutdownStep, () => Promise<void> | void>();

  constructor(private readonly onError: (step: ShutdownStep, error: unknown) => void) {}

  add(step: ShutdownStep, fn: () => Promise<void> | void): void {
    if (this.steps.has(step)) throw new Error(`shutdown step "${step}" registered twice`);
    this.steps.set(step, fn);
  }

  /** Runs the registered steps in stop order (and forgets them, so a second call does nothing). */
  async run(): Promise<void> {
    for (const step of ORDER) {
      const fn = this.steps.get(step);
      if (!fn) continue;
      this.steps.delete(step);
      try {
        await fn();
      } catch (error) {
        this.onError(step, error);
      }
    }
  }
}
