// A hand-written SVG line chart: one polyline per series (mean over seeds), a min–max band behind it,
// labelled axes with "nice" ticks, a title and a legend. No plotting library: the output is plain text.
import type { CurvePoint } from './summary.js';

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';

export interface ChartSeries {
  label: string;
  color: string;
  points: CurvePoint[];
  /** stroke-dasharray; different dashes keep lines that coincide distinguishable. */
  dash?: string;
  marker?: MarkerShape;
}

export interface ChartSpec {
  title: string;
  /** A smaller line under the title (e.g. the ablation group). */
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  /** Always show 0 on the y axis (rates such as pass@k). */
  includeZero?: boolean;
  /** Upper bound the axis never exceeds (1 for pass@k). */
  yCap?: number;
  width?: number;
  height?: number;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** 1, 2, 2.5 or 5 × 10^k closest above raw. */
function niceStep(raw: number): number {
  const exp = Math.floor(Math.log10(raw));
  const f = raw / 10 ** exp;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * 10 ** exp;
}

/** Evenly spaced round ticks covering [lo, hi], about `target` of them; the range widens to the outer ticks. */
export function niceTicks(lo: number, hi: number, target = 5, minStep = 0): { ticks: number[]; lo: number; hi: number; step: number } {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = Math.max(minStep, niceStep((hi - lo) / Math.max(1, target - 1)));
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  const count = Math.round((last - first) / step);
  for (let i = 0; i <= count; i++) {
    const t = first + i * step;
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return { ticks, lo: first, hi: last, step };
}

function tickLabel(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9) + (step / 10 ** Math.floor(Math.log10(step)) === 2.5 ? 1 : 0)));
  if (Math.abs(v) >= 1e5) return v.toExponential(1);
  return v.toFixed(decimals);
}

const r2 = (x: number): string => (Math.round(x * 100) / 100).toString();

/** Font size (down to a floor) and text that fit a width, by the average glyph width of a sans-serif font. */
function fitText(text: string, width: number, size: number, minSize: number, bold = false): { text: string; size: number } {
  const glyph = bold ? 0.64 : 0.58;
  const fits = (t: string, z: number): boolean => t.length * z * glyph <= width;
  for (let z = size; z >= minSize; z -= 0.5) if (fits(text, z)) return { text, size: z };
  const keep = Math.max(1, Math.floor(width / (minSize * glyph)) - 1);
  return { text: text.slice(0, keep) + '…', size: minSize };
}

/** A data-point marker; the shapes tell apart configurations whose lines coincide. */
function marker(shape: MarkerShape, x: number, y: number, color: string, r: number): string {
  const cls = `class="marker" fill="${color}"`;
  switch (shape) {
    case 'square':
      return `<rect ${cls} x="${r2(x - r)}" y="${r2(y - r)}" width="${r2(2 * r)}" height="${r2(2 * r)}"/>`;
    case 'triangle':
      return `<polygon ${cls} points="${r2(x)},${r2(y - 1.25 * r)} ${r2(x + 1.15 * r)},${r2(y + 0.9 * r)} ${r2(x - 1.15 * r)},${r2(y + 0.9 * r)}"/>`;
    case 'diamond':
      return `<polygon ${cls} points="${r2(x)},${r2(y - 1.3 * r)} ${r2(x + 1.3 * r)},${r2(y)} ${r2(x)},${r2(y + 1.3 * r)} ${r2(x - 1.3 * r)},${r2(y)}"/>`;
    default:
      return `<circle ${cls} cx="${r2(x)}" cy="${r2(y)}" r="${r2(r)}"/>`;
  }
}

/** The chart as a standalone SVG document (also valid inline in HTML). */
export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 720;
  const H = spec.height ?? 420;
  const longest = Math.max(8, ...spec.series.map((s) => s.label.length));
  const legendW = Math.min(320, 48 + longest * 7.2);
  const m = { top: spec.subtitle ? 62 : 46, left: 74, bottom: 58, right: legendW + 16 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;

  const all = spec.series.flatMap((s) => s.points);
  const xs = all.map((p) => p.step);
  let yLo = Math.min(...all.map((p) => p.min));
  let yHi = Math.max(...all.map((p) => p.max));
  if (all.length === 0) {
    yLo = 0;
    yHi = 1;
  }
  if (spec.includeZero) {
    yLo = Math.min(0, yLo);
    // All zero (nothing solved yet): show the 0–1 range rather than a band around 0.
    if (!(yHi > yLo) && yLo === 0) yHi = spec.yCap ?? 1;
  }
  // Steps are whole numbers: never a tick between two steps.
  const xT = niceTicks(all.length ? Math.min(...xs) : 0, all.length ? Math.max(...xs) : 1, 6, 1);
  let yT = niceTicks(yLo, yHi, 6);
  if (spec.yCap !== undefined && yT.hi > spec.yCap && yHi <= spec.yCap) {
    yT = { ...yT, hi: spec.yCap, ticks: yT.ticks.filter((t) => t <= spec.yCap! + 1e-9) };
  }
  const X = (v: number): number => m.left + ((v - xT.lo) / (xT.hi - xT.lo)) * pw;
  const Y = (v: number): number => m.top + ph - ((v - yT.lo) / (yT.hi - yT.lo)) * ph;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" ` +
      `font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<title>${escapeXml(spec.subtitle ? `${spec.title} (${spec.subtitle})` : spec.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  const title = fitText(spec.title, W - 24, 16, 11, true);
  out.push(`<text class="title" x="12" y="24" font-size="${title.size}" font-weight="bold" fill="#111">${escapeXml(title.text)}</text>`);
  if (spec.subtitle) {
    const sub = fitText(spec.subtitle, W - 24, 12.5, 9);
    out.push(`<text class="subtitle" x="12" y="43" font-size="${sub.size}" fill="#444">${escapeXml(sub.text)}</text>`);
  }

  // Grid and ticks.
  out.push('<g class="grid" stroke="#e3e3e3" stroke-width="1">');
  for (const t of yT.ticks) out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${r2(Y(t))}" y2="${r2(Y(t))}"/>`);
  for (const t of xT.ticks) out.push(`<line x1="${r2(X(t))}" x2="${r2(X(t))}" y1="${m.top}" y2="${m.top + ph}"/>`);
  out.push('</g>');
  out.push('<g class="axes" stroke="#333" stroke-width="1">');
  out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}"/>`);
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}"/>`);
  for (const t of yT.ticks) out.push(`<line x1="${m.left - 5}" x2="${m.left}" y1="${r2(Y(t))}" y2="${r2(Y(t))}"/>`);
  for (const t of xT.ticks) out.push(`<line x1="${r2(X(t))}" x2="${r2(X(t))}" y1="${m.top + ph}" y2="${m.top + ph + 5}"/>`);
  out.push('</g>');
  out.push('<g class="tick-labels" fill="#333">');
  for (const t of yT.ticks) out.push(`<text x="${m.left - 8}" y="${r2(Y(t) + 4)}" text-anchor="end">${tickLabel(t, yT.step)}</text>`);
  for (const t of xT.ticks) out.push(`<text x="${r2(X(t))}" y="${m.top + ph + 20}" text-anchor="middle">${tickLabel(t, xT.step)}</text>`);
  out.push('</g>');
  out.push(`<text class="x-label" x="${r2(m.left + pw / 2)}" y="${H - 14}" text-anchor="middle" font-size="13" fill="#111">${escapeXml(spec.xLabel)}</text>`);
  out.push(
    `<text class="y-label" x="${-(m.top + ph / 2)}" y="20" transform="rotate(-90)" text-anchor="middle" font-size="13" fill="#111">${escapeXml(spec.yLabel)}</text>`,
  );

  // Bands first (behind every line), then lines with their markers.
  out.push('<g class="bands">');
  for (const s of spec.series) {
    if (s.points.length === 0 || !s.points.some((p) => p.max > p.min)) continue;
    const upper = s.points.map((p) => `${r2(X(p.step))},${r2(Y(p.max))}`);
    const lower = [...s.points].reverse().map((p) => `${r2(X(p.step))},${r2(Y(p.min))}`);
    out.push(`<polygon class="band" data-config="${escapeXml(s.label)}" points="${[...upper, ...lower].join(' ')}" fill="${s.color}" fill-opacity="0.16" stroke="none"/>`);
  }
  out.push('</g>');
  out.push('<g class="series">');
  for (const s of spec.series) {
    if (s.points.length === 0) continue;
    const pts = s.points.map((p) => `${r2(X(p.step))},${r2(Y(p.mean))}`).join(' ');
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(
      `<polyline class="line" data-config="${escapeXml(s.label)}" points="${pts}" fill="none" stroke="${s.color}" stroke-width="2.2"${dash} stroke-linejoin="round"/>`,
    );
    if (s.points.length <= 40) {
      for (const p of s.points) out.push(marker(s.marker ?? 'circle', X(p.step), Y(p.mean), s.color, 3.2));
    }
  }
  out.push('</g>');

  // Legend: one entry per series (also for a configuration with no data yet, marked so).
  const lx = m.left + pw + 18;
  out.push(`<g class="legend" font-size="12">`);
  spec.series.forEach((s, i) => {
    const y = m.top + 8 + i * 20;
    const text = s.points.length ? s.label : `${s.label} (no data)`;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(
      `<g class="legend-item" data-config="${escapeXml(s.label)}">` +
        `<line x1="${lx}" x2="${lx + 26}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2.6"${dash}/>` +
        marker(s.marker ?? 'circle', lx + 13, y, s.color, 3.2) +
        `<text x="${lx + 32}" y="${y + 4}" fill="#111">${escapeXml(text)}</text></g>`,
    );
  });
  const bandNote = spec.series.some((s) => s.points.some((p) => p.n > 1));
  if (bandNote) {
    const y = m.top + 8 + spec.series.length * 20 + 6;
    out.push(`<text x="${lx}" y="${y + 4}" fill="#555" font-size="11">line: mean over seeds</text>`);
    out.push(`<text x="${lx}" y="${y + 18}" fill="#555" font-size="11">band: min–max over seeds</text>`);
  }
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}
