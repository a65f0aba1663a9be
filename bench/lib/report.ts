/**
 * The bench's report: a table of every figure (console and Markdown), written with the machine
 * into bench/results.json, and into README.md between its bench markers.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { BenchResults, FigureResult } from "./results.ts";

const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";

function num(x: number, unit: string): string {
  if (!Number.isFinite(x)) return String(x);
  if (unit === "x") return `${x.toFixed(2)}x`;
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return `${x.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: 0 })} ${unit}`;
}

function targetText(f: FigureResult): string {
  if (!f.target) return "(reported)";
  const on = f.target.on === "ratio" ? "ratio " : "";
  const unit = f.target.on === "ratio" ? "x" : f.unit;
  return `${on}${f.target.op} ${f.target.on === "ratio" ? `${f.target.limit}x` : num(f.target.limit, unit)}${f.target.stretch ? " (stretch)" : ""}`;
}

function verdict(f: FigureResult): string {
  if (f.met === undefined) return "";
  return f.met ? "met" : f.target?.stretch ? "missed (stretch)" : "MISSED";
}

function spreadText(f: FigureResult): string {
  if (f.runs.length < 2) return "";
  const unit = f.target?.on === "ratio" ? "x" : f.unit;
  return `${num(Math.min(...f.runs), unit)} – ${num(Math.max(...f.runs), unit)} (${f.runs.length} runs)`;
}

export function rows(results: BenchResults): string[][] {
  return results.figures.map((f) => [
    String(f.figure),
    f.title,
    num(f.value, f.unit),
    f.baseline ? `${num(f.baseline.value, f.baseline.unit)} (${f.baseline.name})` : "",
    f.ratio !== undefined ? `${f.ratio.toFixed(2)}x` : "",
    targetText(f),
    verdict(f),
    spreadText(f),
  ]);
}

const HEADER = ["#", "figure", "value", "baseline (same run)", "ratio", "target", "", "spread"];

export function consoleTable(results: BenchResults): string {
  const all = [HEADER, ...rows(results)];
  const widths = HEADER.map((_, i) => Math.min(i === 1 ? 70 : 60, Math.max(...all.map((r) => r[i]!.length))));
  return all.map((r) => r.map((c, i) => c.slice(0, widths[i]).padEnd(widths[i]!)).join("  ")).join("\n");
}

export function markdownTable(results: BenchResults): string {
  const m = results.machine;
  const lines = [
    `Measured ${results.generatedAt.slice(0, 10)} with \`${results.command}\` on ${m.cpu} (${m.cores} cores, ${m.memoryGb} GB), ${m.os}, Node ${m.node}; ${m.pinning}; store on ${m.storeDir}; load average ${m.loadAverage.start.toFixed(1)} at the start${m.loadAverage.end !== undefined ? `, ${m.loadAverage.end.toFixed(1)} at the end` : ""} (other work shared the machine). Every ratio is against a baseline measured in the same run; spreads are over alternated runs. All figures: \`bench/results.json\`.`,
    "",
    `| ${HEADER.join(" | ")} |`,
    `|${HEADER.map(() => "---").join("|")}|`,
    ...rows(results).map((r) => `| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`),
  ];
  return lines.join("\n");
}

export function writeResults(file: string, results: BenchResults): void {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

/** Replaces the README's section between the bench markers; false when the markers are missing. */
export function updateReadme(file: string, markdown: string): boolean {
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return false;
  writeFileSync(file, `${text.slice(0, a + START.length)}\n${markdown}\n${text.slice(b)}`);
  return true;
}
