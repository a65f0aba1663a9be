/** Last run time per schedule name (the spec's `persist_last_run`). */
export interface LastRunStore {
  /** Epoch ms of the last run, or undefined if it never ran. */
  get(scheduleName: string): Promise<number | undefined>;
  set(scheduleName: string, at: number): Promise<void>;
}
