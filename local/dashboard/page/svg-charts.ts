/// <reference lib="dom" />
/** Small SVG charts drawn by hand: stacked bars over time, lines over time, horizontal bars. */
const NS = "http://www.w3.org/2000/svg";

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const W = 560;
const H = 190;
const PAD = { left: 44, right: 10, top: 10, bottom: 22 };

function frame(
  maxY: number,
  xLabels: readonly string[],
  unit: string,
): { svg: SVGSVGElement; x: (i: number) => number; y: (v: number) => number; step: number } {
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img" }) as SVGSVGElement;
  const n = Math.max(1, xLabels.length);
  const step = (W - PAD.left - PAD.right) / n;
  const x = (i: number) => PAD.left + i * step;
  const y = (v: number) => H - PAD.bottom - (maxY === 0 ? 0 : (v / maxY) * (H - PAD.top - PAD.bottom));
  for (const frac of [0, 0.5, 1]) {
    const v = maxY * frac;
    svg.appendChild(el("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), stroke: "#e1e5eb" }));
    svg.appendChild(
      el("text", { x: PAD.left - 4, y: y(v) + 3, "text-anchor": "end" }, `${Math.round(v * 10) / 10}${unit}`),
    );
  }
  const every = Math.max(1, Math.ceil(n / 6));
  xLabels.forEach((label, i) => {
    if (i % every === 0) svg.appendChild(el("text", { x: x(i) + step / 2, y: H - 6, "text-anchor": "middle" }, label));
  });
  return { svg, x, y, step };
}

export interface StackedBar {
  readonly label: string;
  readonly parts: readonly { readonly value: number; readonly color: string; readonly name: string }[];
}

export function stackedBars(bars: readonly StackedBar[]): SVGSVGElement {
  const max = Math.max(1, ...bars.map((b) => b.parts.reduce((s, p) => s + p.value, 0)));
  const { svg, x, y, step } = frame(
    max,
    bars.map((b) => b.label),
    "",
  );
  bars.forEach((b, i) => {
    let base = 0;
    for (const p of b.parts) {
      if (p.value <= 0) continue;
      const top = y(base + p.value);
      const rect = el("rect", {
        x: x(i) + 1,
        y: top,
        width: Math.max(1, step - 2),
        height: y(base) - top,
        fill: p.color,
      });
      rect.appendChild(el("title", {}, `${b.label}: ${p.value} ${p.name}`));
      svg.appendChild(rect);
      base += p.value;
    }
  });
  return svg;
}

export interface Line {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (number | undefined)[];
}

export function lines(xLabels: readonly string[], series: readonly Line[], unit: string): SVGSVGElement {
  const values = series.flatMap((s) => s.points.filter((p): p is number => p !== undefined));
  const { svg, x, y, step } = frame(Math.max(1, ...values), xLabels, unit);
  for (const s of series) {
    let d = "";
    s.points.forEach((p, i) => {
      if (p === undefined) return;
      const cx = x(i) + step / 2;
      d += `${d === "" || s.points[i - 1] === undefined ? "M" : "L"}${cx.toFixed(1)},${y(p).toFixed(1)} `;
      const dot = el("circle", { cx, cy: y(p), r: 2.5, fill: s.color });
      dot.appendChild(el("title", {}, `${xLabels[i]} ${s.name}: ${Math.round(p * 10) / 10}${unit}`));
      svg.appendChild(dot);
    });
    if (d) svg.appendChild(el("path", { d, fill: "none", stroke: s.color, "stroke-width": 1.6 }));
  }
  return svg;
}

export function horizontalBars(items: readonly { label: string; value: number; total: number }[]): SVGSVGElement {
  const rowH = 22;
  const height = Math.max(1, items.length) * rowH + 6;
  const svg = el("svg", { viewBox: `0 0 ${W} ${height}`, width: "100%", role: "img" }) as SVGSVGElement;
  const max = Math.max(1, ...items.map((i) => i.total));
  const left = 150;
  items.forEach((item, i) => {
    const top = 3 + i * rowH;
    const scale = (v: number) => ((W - left - 60) * v) / max;
    svg.appendChild(el("text", { x: left - 6, y: top + 14, "text-anchor": "end" }, item.label));
    svg.appendChild(el("rect", { x: left, y: top + 3, width: scale(item.total), height: rowH - 8, fill: "#dfe6f3" }));
    svg.appendChild(el("rect", { x: left, y: top + 3, width: scale(item.value), height: rowH - 8, fill: "#d64545" }));
    svg.appendChild(el("text", { x: left + scale(item.total) + 6, y: top + 14 }, `${item.value} / ${item.total}`));
  });
  return svg;
}
