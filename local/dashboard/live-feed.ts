/**
 * The dashboard's live feed, shared by every open page: while at least one page listens, it asks
 * the source for the jobs changed since its cursor every `pollMs` (and the overview every
 * `overviewEvery` polls) and sends each page what changed: `job` (a JobSummary whose status,
 * attempts or times moved) and `overview` (when the counts changed). One poll serves all pages.
 */
import type { Logger } from "../../shared/logging/logger.ts";
import type { DashboardSource, JobSummary } from "./dashboard-source.ts";

export interface LiveClient {
  send(event: string, data: unknown): void;
}

export interface LiveFeedOptions {
  readonly source: DashboardSource;
  readonly logger: Logger;
  readonly pollMs: number;
  /** Overview every this many polls. @default 1 */
  readonly overviewEvery?: number;
}

/** Jobs remembered to tell a change from a repeat. */
const SEEN_LIMIT = 5000;

export class LiveFeed {
  readonly #o: LiveFeedOptions;
  readonly #clients = new Set<LiveClient>();
  readonly #seen = new Map<string, string>();
  #cursor: string | undefined;
  #overview = "";
  #tick = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #polling: Promise<void> | undefined;
  #closed = false;

  constructor(options: LiveFeedOptions) {
    this.#o = options;
  }

  /** Adds a page; returns its removal. The first page starts the polling. */
  add(client: LiveClient): () => void {
    this.#clients.add(client);
    if (this.#clients.size === 1) this.#schedule(0);
    else if (this.#overview) client.send("overview", JSON.parse(this.#overview));
    return () => {
      this.#clients.delete(client);
      if (this.#clients.size > 0) return;
      // Nobody listens: stop, and start from "now" when a page comes back (not with a backlog).
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#cursor = undefined;
    };
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#clients.clear();
  }

  #schedule(delayMs: number): void {
    if (this.#closed || this.#timer || this.#polling) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#polling = this.#poll().finally(() => {
        this.#polling = undefined;
        if (this.#clients.size > 0) this.#schedule(this.#o.pollMs);
      });
    }, delayMs);
    this.#timer.unref?.();
  }

  #broadcast(event: string, data: unknown): void {
    for (const c of this.#clients) c.send(event, data);
  }

  async #poll(): Promise<void> {
    try {
      const changes = await this.#o.source.changes(this.#cursor);
      this.#cursor = changes.cursor;
      for (const job of changes.jobs) if (this.#isNew(job)) this.#broadcast("job", job);
      if (this.#tick++ % (this.#o.overviewEvery ?? 1) === 0) {
        const overview = JSON.stringify(await this.#o.source.overview());
        if (overview !== this.#overview) {
          this.#overview = overview;
          this.#broadcast("overview", JSON.parse(overview));
        }
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.#o.logger.log("warn", "dashboard live feed: poll failed", { error: message });
      this.#broadcast("problem", { message });
    }
  }

  #isNew(job: JobSummary): boolean {
    const key = `${job.updated_at}|${job.status}|${job.attempts}|${job.duration_ms ?? ""}`;
    if (this.#seen.get(job.id) === key) return false;
    this.#seen.delete(job.id);
    this.#seen.set(job.id, key);
    if (this.#seen.size > SEEN_LIMIT) this.#seen.delete(this.#seen.keys().next().value as string);
    return true;
  }
}
