/** The inverse of formatKeyPath: `handlers.on-pr.steps[0]["a b"]` -> ["handlers", "on-pr", "steps", 0, "a b"]. */
import type { PathSegment } from "./key-path.ts";

const TOKEN = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g;

export function parseKeyPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const m of path.matchAll(TOKEN)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}
