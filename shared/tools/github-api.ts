/**
 * The few GitHub REST calls tool-github makes: JSON requests with the API's headers, the diff
 * media type, and a bounded walk over a paginated list. Status handling is fetch-limited's: 408,
 * 429 and 5xx retryable, other errors permanent.
 */
import { ToolError } from "./errors.ts";
import { expectOk, fetchLimited } from "./fetch-limited.ts";

const NAME = "tool-github";

/** Pages of 100 read at most when looking for an item (comments of a PR, open issues). */
export const MAX_LIST_PAGES = 10;

export interface GithubApiOptions {
  readonly baseUrl: string;
  /** Resolves the token; undefined when not configured (public reads only). */
  readonly token: () => Promise<string | undefined>;
  readonly fetch: typeof fetch;
}

export class GithubApi {
  readonly #base: string;
  readonly #o: GithubApiOptions;

  constructor(options: GithubApiOptions) {
    this.#o = options;
    this.#base = options.baseUrl.replace(/\/+$/, "");
  }

  async #headers(accept: string, json: boolean): Promise<Record<string, string>> {
    const token = await this.#o.token();
    return {
      accept,
      "user-agent": "loop-event-driven",
      "x-github-api-version": "2022-11-28",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(json ? { "content-type": "application/json" } : {}),
    };
  }

  /** A pull request's unified diff. */
  async diff(repo: string, number: number, signal?: AbortSignal): Promise<string> {
    const res = await fetchLimited(
      this.#o.fetch,
      NAME,
      `${this.#base}/repos/${repo}/pulls/${number}`,
      { method: "GET", headers: await this.#headers("application/vnd.github.diff", false) },
      { signal, timeoutMs: 30_000, maxBytes: 5 * 1024 * 1024 },
    );
    expectOk(NAME, `get_pr_diff ${repo}#${number}`, res);
    return res.body;
  }

  /** A JSON request; `what` names it in errors. */
  async json<T>(method: "GET" | "POST" | "PATCH", path: string, what: string, body?: unknown, signal?: AbortSignal) {
    const res = await fetchLimited(
      this.#o.fetch,
      NAME,
      `${this.#base}${path}`,
      {
        method,
        headers: await this.#headers("application/vnd.github+json", body !== undefined),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      },
      { signal, timeoutMs: 30_000, maxBytes: 5 * 1024 * 1024 },
    );
    expectOk(NAME, what, res);
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new ToolError(`${NAME}: ${what}: the response is not JSON`, { permanent: false });
    }
  }

  /** The first item of a paginated list (`path` without paging) that `match` accepts, oldest page first. */
  async findFirst<T>(path: string, what: string, match: (item: T) => boolean, signal?: AbortSignal) {
    const sep = path.includes("?") ? "&" : "?";
    for (let page = 1; page <= MAX_LIST_PAGES; page++) {
      const items = await this.json<T[]>("GET", `${path}${sep}per_page=100&page=${page}`, what, undefined, signal);
      if (!Array.isArray(items)) throw new ToolError(`${NAME}: ${what}: expected a list`, { permanent: false });
      const hit = items.find(match);
      if (hit !== undefined) return hit;
      if (items.length < 100) return undefined;
    }
    return undefined;
  }
}
