/// <reference lib="dom" />
/** What each page of the dashboard is: rendered into `main`, told about live changes while shown. */
import type { JobSummary, Overview } from "../dashboard-source.ts";

export interface View {
  render(main: HTMLElement): Promise<void>;
  /** A job changed (from the live feed). */
  onJob?(job: JobSummary): void;
  /** The counts changed (from the live feed). */
  onOverview?(overview: Overview, previous: Overview | undefined): void;
  /** The page is left. */
  dispose?(): void;
}

/** The latest overview, for views that show or hide actions by what the backend can do. */
export const current: { overview?: Overview } = {};
