/**
 * A stand-in for the GitHub REST API on 127.0.0.1, for tool-github's tests and the examples' e2e
 * tests: pull request diffs, issue comments (list, create, edit) and issues (list open, create,
 * edit), paginated like GitHub (`per_page`, `page`). Every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeComment {
  id: number;
  body: string;
  html_url: string;
  issue: number;
}
export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed";
  html_url: string;
}
export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly accept?: string;
  readonly body: string;
}

export interface FakeGithub {
  readonly url: string;
  readonly calls: RecordedCall[];
  /** Comments by repo ("owner/name"), oldest first. */
  comments(repo: string): FakeComment[];
  issues(repo: string): FakeIssue[];
  setDiff(repo: string, number: number, diff: string): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, type = "application/json"): void {
  res.writeHead(status, { "content-type": type });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

function page<T>(items: readonly T[], url: URL): T[] {
  const per = Number(url.searchParams.get("per_page") ?? 30);
  const n = Number(url.searchParams.get("page") ?? 1);
  return items.slice((n - 1) * per, n * per);
}

export async function startFakeGithub(): Promise<FakeGithub> {
  const diffs = new Map<string, string>();
  const comments = new Map<string, FakeComment[]>();
  const issues = new Map<string, FakeIssue[]>();
  const calls: RecordedCall[] = [];
  let nextId = 1000;
  let base = "";
  const list = <T>(m: Map<string, T[]>, repo: string): T[] => {
    if (!m.has(repo)) m.set(repo, []);
    return m.get(repo)!;
  };

  function route(req: IncomingMessage, body: string, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://github.test");
    const m = /^\/repos\/([\w.-]+\/[\w.-]+)\/(.*)$/.exec(url.pathname);
    if (!m) return send(res, 404, { message: "Not Found" });
    const [, repo, rest] = m as unknown as [string, string, string];
    const json = () => JSON.parse(body || "{}") as Record<string, unknown>;
    let p: RegExpExecArray | null;
    if ((p = /^pulls\/(\d+)$/.exec(rest)) && req.method === "GET") {
      const diff = diffs.get(`${repo}#${p[1]}`);
      return diff === undefined ? send(res, 404, { message: "Not Found" }) : send(res, 200, diff, "text/plain");
    }
    if ((p = /^issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(p[1]);
      const all = list(comments, repo);
      if (req.method === "GET")
        return send(
          res,
          200,
          page(
            all.filter((c) => c.issue === issue),
            url,
          ),
        );
      if (req.method === "POST") {
        const id = nextId++;
        const c = {
          id,
          issue,
          body: String(json().body),
          html_url: `${base}/${repo}/pull/${issue}#issuecomment-${id}`,
        };
        all.push(c);
        return send(res, 201, c);
      }
    }
    if ((p = /^issues\/comments\/(\d+)$/.exec(rest)) && req.method === "PATCH") {
      const c = list(comments, repo).find((x) => x.id === Number(p![1]));
      if (!c) return send(res, 404, { message: "Not Found" });
      c.body = String(json().body);
      return send(res, 200, c);
    }
    if (rest === "issues") {
      const all = list(issues, repo);
      if (req.method === "GET") {
        const state = url.searchParams.get("state") ?? "open";
        return send(
          res,
          200,
          page(
            all.filter((i) => state === "all" || i.state === state),
            url,
          ),
        );
      }
      if (req.method === "POST") {
        const b = json();
        const number = all.length + 1;
        const issue: FakeIssue = {
          number,
          title: String(b.title),
          body: String(b.body ?? ""),
          labels: (b.labels as string[] | undefined) ?? [],
          state: "open",
          html_url: `${base}/${repo}/issues/${number}`,
        };
        all.push(issue);
        return send(res, 201, issue);
      }
    }
    if ((p = /^issues\/(\d+)$/.exec(rest)) && req.method === "PATCH") {
      const issue = list(issues, repo).find((i) => i.number === Number(p![1]));
      if (!issue) return send(res, 404, { message: "Not Found" });
      const b = json();
      if (typeof b.title === "string") issue.title = b.title;
      if (typeof b.body === "string") issue.body = b.body;
      return send(res, 200, issue);
    }
    send(res, 404, { message: "Not Found" });
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      calls.push({
        method: req.method ?? "",
        path: req.url ?? "",
        body,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        ...(req.headers.accept ? { accept: req.headers.accept } : {}),
      });
      route(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    calls,
    comments: (repo) => list(comments, repo),
    issues: (repo) => list(issues, repo),
    setDiff: (repo, number, diff) => diffs.set(`${repo}#${number}`, diff),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
