/** A sleep that a wake-up call ends early (new work, a job finished, stop). */
export interface Alarm {
  /** Resolves after `ms`, or at once when `wake()` was called since the last sleep. */
  sleep(ms: number): Promise<void>;
  wake(): void;
}

export function createAlarm(): Alarm {
  let woken = false;
  let ring: (() => void) | undefined;
  return {
    sleep(ms) {
      if (woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, ms));
        function done(): void {
          clearTimeout(timer);
          ring = undefined;
          woken = false;
          resolve();
        }
        ring = done;
      });
    },
    wake() {
      woken = true;
      ring?.();
    },
  };
}
