/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and tells where the time went: self time per
 * function (with its file) and total ("inclusive") time per function, as shares of the samples.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileLine {
  readonly name: string;
  readonly share: number;
  readonly ms: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Self time by function, largest first. */
  readonly self: readonly ProfileLine[];
  /** Inclusive time by function (each counted once per sample), largest first. */
  readonly inclusive: readonly ProfileLine[];
}

function label(n: ProfileNode, root: string): string {
  const f = n.callFrame;
  const url = f.url.replace(/^file:\/\//, "").replace(root, "");
  const short = url.replace(/.*node_modules\//, "~/");
  return `${f.functionName || "(anonymous)"}${short ? ` ${short}:${f.lineNumber + 1}` : ""}`;
}

export function summarizeProfile(file: string, root = ""): ProfileSummary {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const n = byId.get(id)!;
    const name = label(n, root);
    self.set(name, (self.get(name) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!, root);
      if (seen.has(l)) continue;
      seen.add(l);
      incl.set(l, (incl.get(l) ?? 0) + dt);
    }
  });
  const lines = (m: Map<string, number>) =>
    [...m].map(([name, ms]) => ({ name, ms, share: ms / total })).sort((a, b) => b.ms - a.ms);
  return { totalMs: total, self: lines(self), inclusive: lines(incl) };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, ""))) {
  const s = summarizeProfile(process.argv[2]!, process.argv[3] ?? "");
  const n = Number(process.argv[4] ?? 40);
  console.log(`total ${s.totalMs.toFixed(0)} ms`);
  console.log("SELF");
  for (const l of s.self.slice(0, n)) console.log(`${(l.share * 100).toFixed(1).padStart(5)}%  ${l.name}`);
  console.log("INCLUSIVE");
  for (const l of s.inclusive.slice(0, n)) console.log(`${(l.share * 100).toFixed(1).padStart(5)}%  ${l.name}`);
}
