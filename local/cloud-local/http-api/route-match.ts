/**
 * HTTP API route selection: `METHOD /path` keys with `{param}` and a trailing `{proxy+}`,
 * `ANY`, and `$default`. As API Gateway does: the most specific path wins (literal segments over
 * parameters over a greedy one), then a method match over ANY, then `$default`.
 */
export interface RouteMatch<T> {
  readonly routeKey: string;
  readonly target: T;
  readonly pathParameters?: Record<string, string>;
}

interface Candidate<T> {
  readonly score: readonly number[];
  readonly match: RouteMatch<T>;
}

function matchPath(pattern: string, path: string): { params: Record<string, string>; score: number[] } | undefined {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  const score: number[] = [];
  for (let i = 0; i < want.length; i++) {
    const seg = want[i]!;
    const greedy = /^\{(.+)\+\}$/.exec(seg);
    if (greedy) {
      if (i !== want.length - 1 || got.length <= i) return undefined;
      params[greedy[1]!] = got.slice(i).map(decodeURIComponent).join("/");
      score.push(0);
      return { params, score };
    }
    if (i >= got.length) return undefined;
    const param = /^\{(.+)\}$/.exec(seg);
    if (param) {
      params[param[1]!] = decodeURIComponent(got[i]!);
      score.push(1);
    } else if (seg === got[i]) score.push(2);
    else return undefined;
  }
  return got.length === want.length ? { params, score } : undefined;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (b[i] ?? -1) - (a[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

export function matchRoute<T>(routes: ReadonlyMap<string, T>, method: string, path: string): RouteMatch<T> | undefined {
  const candidates: Candidate<T>[] = [];
  for (const [routeKey, target] of routes) {
    if (routeKey === "$default") continue;
    const [m, pattern] = routeKey.split(" ");
    if (!m || !pattern || (m !== "ANY" && m !== method)) continue;
    const found = matchPath(pattern, path);
    if (!found) continue;
    candidates.push({
      score: [...found.score, m === "ANY" ? 0 : 1],
      match: { routeKey, target, ...(Object.keys(found.params).length ? { pathParameters: found.params } : {}) },
    });
  }
  candidates.sort((a, b) => compare(a.score, b.score));
  if (candidates[0]) return candidates[0].match;
  const fallback = routes.get("$default");
  return fallback === undefined ? undefined : { routeKey: "$default", target: fallback };
}
