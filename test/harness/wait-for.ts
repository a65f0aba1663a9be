/**
 * THE polling helper of the tests: waits for a condition instead of sleeping a fixed time.
 * `probe` returns the awaited value (anything but undefined / false) or undefined / false to go
 * on polling; on timeout the error names what was awaited (and the last value seen, if any).
 */
export interface WaitOptions {
  /** @default 30_000 */
  readonly timeoutMs?: number;
  /** Pause between probes. @default 20 */
  readonly intervalMs?: number;
}

export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  opts: WaitOptions | number = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 20 } = typeof opts === "number" ? { timeoutMs: opts } : opts;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Repeats `step` until `done` accepts its answer; returns that answer. */
export function eventually<T>(
  step: () => Promise<T>,
  done: (value: T) => boolean,
  what = "the expected answer",
  opts: WaitOptions = { timeoutMs: 10_000, intervalMs: 250 },
): Promise<T> {
  return waitFor(
    async () => {
      const v = await step();
      return done(v) ? { v } : undefined;
    },
    what,
    opts,
  ).then((box) => box.v);
}
