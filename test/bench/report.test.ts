// The report's numbers: hand-made runs with known answers, and a fake-trainer sweep whose table a
// separate, plain re-implementation recomputes from the runs' metrics.jsonl.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport, loadRun, loadSweep, parseMetrics, planGroup, runDir, runSweep, writeReport } from '../../src/bench/index.js';
import { FAKE_CMD, tempDir, writeSweep } from './helpers.js';

/** Rows of the first Markdown table after the heading `## title`. */
function tableRows(md: string, title: string): string[][] {
  const at = md.indexOf(`## ${title}`);
  expect(at).toBeGreaterThanOrEqual(0);
  const lines = md.slice(at).split('\n');
  const start = lines.findIndex((l) => l.startsWith('| configuration'));
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l.slice(2, -2).split(' | ').map((c) => c.replace(/\*\*/g, '')));
  }
  return rows;
}

function writeRun(dir: string, lines: object[], done?: object): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  if (done) writeFileSync(join(dir, 'done.json'), JSON.stringify(done));
}

describe('report from hand-made runs', () => {
  it('gives the best step, pass@k there, mean ± std over seeds, and marks the best configuration', () => {
    const dir = tempDir();
    const sweep = loadSweep(writeSweep(dir, { labels: ['a', 'b'], seeds: 2 }));
    const plan = planGroup(sweep);
    const t = (step: number, thr: number, time: number) => ({ step, 'critic/score/mean': 0.2, 'actor/entropy': 2, 'response_length/mean': 40, 'perf/throughput': thr, 'timing_s/step': time });
    // a/seed 1: pass@1 ties at steps 2 and 4 → the earlier (2) is best; its pass@5 is 0.7, not 0.9.
    writeRun(runDir(dir, 'estimators', 'a', 1), [
      { step: 0, 'val/pass@1': 0.1, 'val/pass@5': 0.3 },
      t(1, 100, 1),
      { ...t(2, 300, 1), 'val/pass@1': 0.5, 'val/pass@5': 0.7 },
      { step: 4, 'val/pass@1': 0.5, 'val/pass@5': 0.9 },
    ], { steps: 4, wall_s: 10 });
    writeRun(runDir(dir, 'estimators', 'a', 2), [
      { step: 0, 'val/pass@1': 0.2, 'val/pass@5': 0.3 },
      t(1, 200, 1),
      { ...t(4, 200, 1), 'val/pass@1': 0.7, 'val/pass@5': 0.8 },
    ], { steps: 4, wall_s: 14 });
    // b/seed 1: unfinished, no pass@5 (val_n < 5), wall-clock = sum of timing_s/step so far.
    writeRun(runDir(dir, 'estimators', 'b', 1), [{ step: 0, 'val/pass@1': 0.3 }, t(1, 50, 2), { ...t(2, 50, 3), 'val/pass@1': 0.2 }]);

    const runs = [
      loadRun(runDir(dir, 'estimators', 'a', 1), { group: 'estimators', label: 'a', seed: 1 }),
      loadRun(runDir(dir, 'estimators', 'a', 2), { group: 'estimators', label: 'a', seed: 2 }),
      loadRun(runDir(dir, 'estimators', 'b', 1), { group: 'estimators', label: 'b', seed: 1 }),
    ];
    const report = buildReport([{ plan, runs }]);
    const rows = tableRows(report.markdown, 'Test estimators');
    expect(rows).toEqual([
      ['a', '2/2', '3 ± 1.4', '0.600 ± 0.141', '0.750 ± 0.071', '12.0 ± 2.8', '200.0 ± 0.0'],
      ['b', '0/2', '0', '0.300', '–', '5.0', '50.0'],
    ]);
    expect(report.markdown).toContain('| a | 2/2 | 3 ± 1.4 | **0.600 ± 0.141** | **0.750 ± 0.071** |');
    expect(report.markdown).toContain('highest val/pass@1');
    const a = report.summary.groups[0]!.configurations[0]!;
    expect(a.pass1!.mean).toBeCloseTo(0.6, 12);
    expect(a.pass1!.std).toBeCloseTo(Math.SQRT2 / 10, 12);
    // The HTML shows the same cells.
    expect(report.html).toContain('0.600 ± 0.141');
    expect(report.html).toContain('12.0 ± 2.8');
  });

  it('bolds no configuration when the best value is shared', () => {
    const dir = tempDir();
    const plan = planGroup(loadSweep(writeSweep(dir, { labels: ['a', 'b'], seeds: 1 })));
    for (const l of ['a', 'b']) writeRun(runDir(dir, 'estimators', l, 1), [{ step: 0, 'val/pass@1': 0, 'val/pass@5': 0 }], { steps: 0, wall_s: 1 });
    const runs = ['a', 'b'].map((l) => loadRun(runDir(dir, 'estimators', l, 1), { group: 'estimators', label: l, seed: 1 }));
    expect(buildReport([{ plan, runs }]).markdown).not.toContain('**');
  });

  it('merges a step logged twice after a resume (latest wins) and tolerates a torn last line only', () => {
    const text = [
      JSON.stringify({ step: 0, 'val/pass@1': 0.1 }),
      JSON.stringify({ step: 2, 'val/pass@1': 0.9, 'timing_s/step': 1 }),
      JSON.stringify({ step: 2, 'val/pass@1': 0.4, 'timing_s/step': 1 }),
      '{"step": 3, "val/pa',
    ].join('\n');
    const lines = parseMetrics(text, 'm.jsonl');
    expect(lines.map((l) => l.step)).toEqual([0, 2, 2]);
    const dir = tempDir();
    writeFileSync(join(dir, 'metrics.jsonl'), text);
    const run = loadRun(dir, { group: 'g', label: 'x', seed: 1 });
    expect(run.steps.map((s) => [s.step, s['val/pass@1']])).toEqual([[0, 0.1], [2, 0.4]]);
    const torn: number[] = [];
    expect(parseMetrics('{"step":0}\n{"step":1,"a":\n{"step":1,"a":2}\n', 'm.jsonl', torn).map((l) => l.step)).toEqual([0, 1]);
    expect(torn).toEqual([2]);
    expect(run.tornLines).toEqual([4]);
    expect(() => parseMetrics('{"step":-1}\n', 'm.jsonl')).toThrow(/m\.jsonl:1: "step" must be a non-negative integer/);
    expect(() => parseMetrics('[1]\n', 'm.jsonl')).toThrow(/m\.jsonl:1: expected a JSON object/);
  });
});

// --- An independent recomputation, written without the module's helpers. ---
interface Recomputed {
  best: number;
  p1: number;
  p5: number;
  wall: number;
  tps: number;
}
function recomputeRun(dir: string): Recomputed {
  const byStep = new Map<number, Record<string, number>>();
  for (const l of readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (!l.trim()) continue;
    const o = JSON.parse(l) as Record<string, number>;
    byStep.set(o.step!, { ...(byStep.get(o.step!) ?? {}), ...o });
  }
  const steps = [...byStep.keys()].sort((x, y) => x - y);
  let best = -1;
  for (const s of steps) {
    const p = byStep.get(s)!['val/pass@1'];
    if (p !== undefined && (best < 0 || p > byStep.get(best)!['val/pass@1']!)) best = s;
  }
  const thr = steps.filter((s) => s >= 1).map((s) => byStep.get(s)!['perf/throughput']!);
  return {
    best,
    p1: byStep.get(best)!['val/pass@1']!,
    p5: byStep.get(best)!['val/pass@5']!,
    wall: (JSON.parse(readFileSync(join(dir, 'done.json'), 'utf8')) as { wall_s: number }).wall_s,
    tps: thr.reduce((x, y) => x + y, 0) / thr.length,
  };
}
function meanStd(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return [m, Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))];
}

describe('report of a fake-trainer sweep', () => {
  const labels = ['rloo', 'grpo', 'grpo_passk'];
  const seeds = [1, 2, 3];
  let dir = '';
  let md = '';
  beforeAll(async () => {
    dir = tempDir();
    const plan = planGroup(loadSweep(writeSweep(dir, { labels, seeds: 3, steps: 8, testFreq: 2 })));
    await runSweep({ sweepDir: join(dir, 'out'), groups: [plan], trainer: FAKE_CMD, log: () => {} });
    md = readFileSync(join(dir, 'out', 'report.md'), 'utf8');
  });

  it('has exactly the numbers a recomputation from metrics.jsonl gives', () => {
    const rows = tableRows(md, 'Test estimators');
    expect(rows.map((r) => r[0])).toEqual(labels);
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as {
      groups: { configurations: { label: string; pass1: { mean: number; std: number }; pass5: { mean: number }; bestStep: { mean: number } }[] }[];
    };
    labels.forEach((label, i) => {
      const per = seeds.map((s) => recomputeRun(runDir(join(dir, 'out'), 'estimators', label, s)));
      const fmt = (xs: number[], d: number) => {
        const [m, s] = meanStd(xs);
        return `${m.toFixed(d)} ± ${s.toFixed(d)}`;
      };
      const [bm, bs] = meanStd(per.map((p) => p.best));
      const bestCell = `${Number.isInteger(bm) ? String(bm) : bm.toFixed(1)} ± ${bs.toFixed(1)}`;
      expect(rows[i]).toEqual([
        label,
        '3/3',
        bestCell,
        fmt(per.map((p) => p.p1), 3),
        fmt(per.map((p) => p.p5), 3),
        fmt(per.map((p) => p.wall), 1),
        fmt(per.map((p) => p.tps), 1),
      ]);
      const c = summary.groups[0]!.configurations[i]!;
      expect(c.label).toBe(label);
      expect(Math.abs(c.pass1.mean - meanStd(per.map((p) => p.p1))[0])).toBeLessThan(1e-12);
      expect(Math.abs(c.pass1.std - meanStd(per.map((p) => p.p1))[1])).toBeLessThan(1e-12);
      expect(Math.abs(c.pass5.mean - meanStd(per.map((p) => p.p5))[0])).toBeLessThan(1e-12);
      expect(Math.abs(c.bestStep.mean - bm)).toBeLessThan(1e-12);
    });
  });

  it('writes report.md, report.html, summary.json and the five plots; report rewrites the same files', () => {
    const files = readdirSync(join(dir, 'out')).sort();
    expect(files).toEqual(expect.arrayContaining(['report.html', 'report.md', 'summary.json', 'sweep.json', 'plots', 'estimators']));
    const plots = readdirSync(join(dir, 'out', 'plots')).sort();
    expect(plots).toEqual(['estimators-entropy.svg', 'estimators-pass1.svg', 'estimators-pass5.svg', 'estimators-response-length.svg', 'estimators-reward.svg']);
    for (const p of plots) expect(md).toContain(`](plots/${p})`);
    const again = writeReport(join(dir, 'out'));
    expect(again.markdown).toBe(md.replace(/Generated [^\n]*\n\n/, ''));
  });

  it('report.html is self-contained: every plot inline, no script, no external resource', () => {
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(5);
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const l of labels) expect(html).toContain(`>${l}</td>`);
  });
});
