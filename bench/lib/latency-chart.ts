/**
 * The README's chart: ack-path latency percentiles (paced run) of the daemon and both baselines,
 * as a small self-contained SVG (log-scale milliseconds, one line per target).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function latencyChartSvg(
  series: Readonly<Record<string, Readonly<Record<string, number>>>>,
  title: string,
): string {
  const names = Object.keys(series);
  const keys = Object.keys(series[names[0]!] ?? {});
  const W = 640;
  const H = 360;
  const left = 60;
  const right = 170;
  const top = 40;
  const bottom = 50;
  const values = names.flatMap((n) => keys.map((k) => series[n]![k]!)).filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values))));
  const x = (i: number) => left + (i * (W - left - right)) / Math.max(1, keys.length - 1);
  const y = (v: number) =>
    top + (H - top - bottom) * (1 - (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - right / 2 + left / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  for (let d = lo; d <= hi; d *= 10) {
    out.push(
      `<line x1="${left}" x2="${W - right}" y1="${y(d)}" y2="${y(d)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(d) + 4}" text-anchor="end">${d >= 1 ? d : d.toFixed(Math.round(-Math.log10(d)))} ms</text>`,
    );
  }
  keys.forEach((k, i) => out.push(`<text x="${x(i)}" y="${H - bottom + 18}" text-anchor="middle">${esc(k)}</text>`));
  out.push(`<text x="${(left + W - right) / 2}" y="${H - 12}" text-anchor="middle">latency percentile</text>`);
  names.forEach((n, s) => {
    const color = COLORS[s % COLORS.length]!;
    const pts = keys.map((k, i) => `${x(i).toFixed(1)},${y(series[n]![k]!).toFixed(1)}`).join(" ");
    out.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`);
    keys.forEach((k, i) =>
      out.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(series[n]![k]!).toFixed(1)}" r="3" fill="${color}"/>`),
    );
    out.push(
      `<rect x="${W - right + 15}" y="${top + s * 22}" width="12" height="12" fill="${color}"/>`,
      `<text x="${W - right + 32}" y="${top + s * 22 + 10}">${esc(n)}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

export function writeLatencyChart(
  file: string,
  series: Readonly<Record<string, Readonly<Record<string, number>>>>,
  title: string,
): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, latencyChartSvg(series, title));
}
