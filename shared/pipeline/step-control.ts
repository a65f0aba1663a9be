/** Per-step timeout and retry, both abortable by the run's signal. */
import { PipelineError, StepTimeoutError, isPermanent } from "./errors.ts";

/** Runs `work` with its own signal, aborted by `parent` or after `seconds`; rejects at once when either fires. */
export async function withDeadline<T>(
  work: (signal: AbortSignal) => Promise<T>,
  parent: AbortSignal,
  seconds: number | undefined,
  where: string,
): Promise<T> {
  if (parent.aborted) throw new PipelineError(`${where}: aborted`, { cause: parent.reason });
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => {
      const error = new PipelineError(`${where}: aborted`, { cause: parent.reason });
      controller.abort(error);
      reject(error);
    };
    if (parent.aborted) onAbort();
    else parent.addEventListener("abort", onAbort, { once: true });
    if (seconds !== undefined) {
      timer = setTimeout(() => {
        const error = new StepTimeoutError(where, seconds);
        controller.abort(error);
        reject(error);
      }, seconds * 1000);
    }
  });
  try {
    return await Promise.race([work(controller.signal), stopped]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) parent.removeEventListener("abort", onAbort);
    stopped.catch(() => undefined);
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new PipelineError("aborted", { cause: signal.reason }));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new PipelineError("aborted", { cause: signal.reason }));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  /** `linear` is Amplifier's name for a delay that stays the same, like `fixed`. */
  readonly backoff: "exponential" | "linear" | "fixed";
  readonly baseDelayMs: number;
  /** @default 30000 */
  readonly maxDelayMs?: number;
}

/** Delay before attempt `next` (2, 3, ...): exponential doubles from the base, capped at `maxDelayMs`. */
export function retryDelay(policy: RetryPolicy, next: number): number {
  const ms = policy.backoff === "exponential" ? policy.baseDelayMs * 2 ** (next - 2) : policy.baseDelayMs;
  return Math.min(ms, policy.maxDelayMs ?? 30_000);
}

/** Calls `attempt` up to maxAttempts times; permanent errors and aborts are not retried. */
export async function withRetry<T>(
  policy: RetryPolicy,
  signal: AbortSignal,
  attempt: (n: number) => Promise<T>,
  onRetry?: (n: number, error: unknown) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.maxAttempts || isPermanent(error) || signal.aborted) throw error;
      onRetry?.(n, error);
      await sleep(retryDelay(policy, n + 1), signal);
    }
  }
}
