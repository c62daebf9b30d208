// The plots as documents: well-formed XML, one line and one legend entry per configuration,
// the same colour for a configuration in every plot, labelled axes, round ticks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lineChart, loadSweep, niceTicks, PALETTE, planGroup, runSweep } from '../../src/bench/index.js';
import { FAKE_CMD, tempDir, writeSweep } from './helpers.js';
import { parseXml, textOf, unescapeXml, type XmlElement } from './xml.js';

const byClass = (all: XmlElement[], cls: string) => all.filter((e) => (e.attrs.class ?? '').split(' ').includes(cls));

describe('the xml checker itself', () => {
  it('rejects what is not well-formed', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow(/closes/);
    expect(() => parseXml('<svg><text>a < b</text></svg>')).toThrow();
    expect(() => parseXml('<svg><text>a & b</text></svg>')).toThrow(/bare "&"/);
    expect(() => parseXml('<svg a="1" a="2"/>')).toThrow(/duplicate/);
    expect(() => parseXml('<svg a=1/>')).toThrow(/malformed/);
    expect(() => parseXml('<svg/><svg/>')).toThrow(/more than one root/);
    expect(parseXml('<svg x="&amp;"><text>a &lt; b</text></svg>').all.length).toBe(2);
  });
});

describe('sweep plots', () => {
  const labels = ['rloo', 'reinforce_plus_plus_baseline', 'grpo', 'grpo_passk'];
  let plots: { file: string; svg: string }[] = [];
  beforeAll(async () => {
    const dir = tempDir();
    const plan = planGroup(loadSweep(writeSweep(dir, { labels, seeds: 2, steps: 6 })));
    await runSweep({ sweepDir: join(dir, 'out'), groups: [plan], trainer: FAKE_CMD, log: () => {} });
    const pd = join(dir, 'out', 'plots');
    plots = readdirSync(pd).map((f) => ({ file: f, svg: readFileSync(join(pd, f), 'utf8') }));
  });

  it('are well-formed, with one polyline and one legend entry per configuration', () => {
    expect(plots).toHaveLength(5);
    for (const p of plots) {
      const { root, all } = parseXml(p.svg);
      expect(root.name).toBe('svg');
      expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
      const lines = all.filter((e) => e.name === 'polyline' || e.name === 'path');
      expect(lines.map((l) => unescapeXml(l.attrs['data-config']!)), p.file).toEqual(labels);
      const legend = byClass(all, 'legend-item');
      expect(legend.map((l) => textOf(l)), p.file).toEqual(labels);
      // Two seeds: a min–max band per configuration behind the lines.
      expect(byClass(all, 'band').length, p.file).toBe(labels.length);
    }
  });

  it('give a configuration the same colour in every plot and different configurations different colours', () => {
    const colourOf = new Map<string, string>();
    for (const p of plots) {
      const { all } = parseXml(p.svg);
      for (const l of all.filter((e) => e.name === 'polyline')) {
        const label = l.attrs['data-config']!;
        const legendLine = byClass(all, 'legend-item').find((e) => e.attrs['data-config'] === label)!.children.find((c) => c.name === 'line')!;
        expect(legendLine.attrs.stroke).toBe(l.attrs.stroke);
        if (!colourOf.has(label)) colourOf.set(label, l.attrs.stroke!);
        expect(l.attrs.stroke, `${label} in ${p.file}`).toBe(colourOf.get(label));
      }
    }
    expect(new Set(colourOf.values()).size).toBe(labels.length);
  });

  it('also vary dash and marker shape, so coinciding lines stay distinguishable', () => {
    const { all } = parseXml(plots[0]!.svg);
    const lines = all.filter((e) => e.name === 'polyline');
    expect(new Set(lines.map((l) => l.attrs['stroke-dasharray'] ?? 'solid')).size).toBe(labels.length);
    const legendMarkers = byClass(all, 'legend-item').map((g) => g.children.find((c) => (c.attrs.class ?? '') === 'marker')!.name + (g.children.find((c) => c.attrs.class === 'marker')!.attrs.points?.split(' ').length ?? 0));
    expect(new Set(legendMarkers).size).toBe(labels.length);
  });

  it('have a title, axis labels and numeric ticks', () => {
    for (const p of plots) {
      const { all } = parseXml(p.svg);
      expect(textOf(all.find((e) => e.name === 'title')!)).toMatch(/^(pass@[15] on held-out problems|training reward|policy entropy|response length) \(Test estimators\)$/);
      expect(textOf(byClass(all, 'subtitle')[0]!)).toBe('Test estimators');
      expect(textOf(byClass(all, 'x-label')[0]!)).toBe('training step');
      expect(textOf(byClass(all, 'y-label')[0]!).length).toBeGreaterThan(3);
      const ticks = byClass(all, 'tick-labels')[0]!.children.map((c) => Number(textOf(c)));
      expect(ticks.length).toBeGreaterThanOrEqual(6);
      expect(ticks.every(Number.isFinite)).toBe(true);
    }
    const pass1 = plots.find((p) => p.file.endsWith('pass1.svg'))!;
    expect(textOf(byClass(parseXml(pass1.svg).all, 'y-label')[0]!)).toBe('pass@1');
  });
});

describe('lineChart', () => {
  it('escapes labels and draws no band for a single seed', () => {
    const svg = lineChart({
      title: 'a < b & "c"',
      xLabel: 'step',
      yLabel: 'y',
      series: [{ label: '<x&y>', color: PALETTE[0], points: [{ step: 0, mean: 1, min: 1, max: 1, n: 1 }, { step: 5, mean: 2, min: 2, max: 2, n: 1 }] }],
    });
    const { all } = parseXml(svg);
    expect(textOf(all.find((e) => e.name === 'title')!)).toBe('a < b & "c"');
    expect(unescapeXml(all.find((e) => e.name === 'polyline')!.attrs['data-config']!)).toBe('<x&y>');
    expect(byClass(all, 'band')).toHaveLength(0);
  });

  it('keeps a configuration without data in the legend, marked', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'step',
      yLabel: 'y',
      series: [
        { label: 'has', color: PALETTE[0], points: [{ step: 1, mean: 0.5, min: 0.4, max: 0.6, n: 2 }] },
        { label: 'none', color: PALETTE[1], points: [] },
      ],
    });
    const { all } = parseXml(svg);
    expect(all.filter((e) => e.name === 'polyline')).toHaveLength(1);
    expect(byClass(all, 'legend-item').map(textOf)).toEqual(['has', 'none (no data)']);
  });

  it('fits a long title and subtitle into the width (smaller font, then an ellipsis)', () => {
    const long = 'Group 2: maximum response length (reinforce_plus_plus_baseline, n = 16) '.repeat(3);
    const svg = lineChart({ title: long, subtitle: long, xLabel: 'step', yLabel: 'y', series: [], width: 720 });
    const { all } = parseXml(svg);
    // Average glyph widths of DejaVu Sans: ~0.64 em bold, ~0.58 em regular.
    for (const [cls, glyph] of [['title', 0.64], ['subtitle', 0.58]] as const) {
      const el = byClass(all, cls)[0]!;
      const size = Number(el.attrs['font-size']);
      expect(size).toBeGreaterThanOrEqual(9);
      expect(textOf(el).endsWith('…')).toBe(true);
      expect(Number(el.attrs.x) + textOf(el).length * size * glyph).toBeLessThanOrEqual(720);
    }
  });

  it('puts x ticks on whole steps and shows 0–1 for a rate that is still all zero', () => {
    const flat = [0, 1, 2].map((step) => ({ step, mean: 0, min: 0, max: 0, n: 1 }));
    const { all } = parseXml(lineChart({ title: 't', xLabel: 'step', yLabel: 'pass@1', includeZero: true, yCap: 1, series: [{ label: 'a', color: PALETTE[0], points: flat }] }));
    const ticks = byClass(all, 'tick-labels')[0]!.children.map((c) => Number(textOf(c)));
    const yTicks = ticks.slice(0, ticks.length - 3);
    expect(ticks.slice(-3)).toEqual([0, 1, 2]);
    expect(Math.min(...yTicks)).toBe(0);
    expect(Math.max(...yTicks)).toBe(1);
  });

  it('niceTicks covers the range with round steps', () => {
    for (const [lo, hi] of [[0, 1], [0.13, 0.37], [0, 60], [2.31, 2.58], [1000, 1234], [5, 5]] as const) {
      const t = niceTicks(lo, hi, 6);
      expect(t.lo).toBeLessThanOrEqual(lo);
      expect(t.hi).toBeGreaterThanOrEqual(hi);
      expect(t.ticks.length).toBeGreaterThanOrEqual(3);
      expect(t.ticks.length).toBeLessThanOrEqual(12);
      const mant = t.step / 10 ** Math.floor(Math.log10(t.step));
      expect([1, 2, 2.5, 5].some((m) => Math.abs(m - mant) < 1e-9)).toBe(true);
    }
  });
});
