// The plots of one ablation group: held-out pass@k and the training curves, one line per configuration.
import { styleFor } from './colors.js';
import type { RunData } from './runs.js';
import { curve, PASS1, PASS5 } from './summary.js';
import { lineChart } from './svg.js';

export interface PlotSpec {
  /** File name stem: plots/<group>-<id>.svg */
  id: string;
  metric: string;
  title: string;
  yLabel: string;
  /** Validation metrics include step 0 (before training); training metrics start at step 1. */
  fromStep: number;
  /** A rate in [0, 1]: the axis shows 0 and stops at 1. */
  rate: boolean;
  /** Show 0 on the axis (a score). */
  zero?: boolean;
}

export const PLOTS: PlotSpec[] = [
  { id: 'pass1', metric: PASS1, title: 'pass@1 on held-out problems', yLabel: 'pass@1', fromStep: 0, rate: true },
  { id: 'pass5', metric: PASS5, title: 'pass@5 on held-out problems', yLabel: 'pass@5', fromStep: 0, rate: true },
  { id: 'reward', metric: 'critic/score/mean', title: 'training reward', yLabel: 'mean reward (critic/score/mean)', fromStep: 1, rate: false, zero: true },
  { id: 'entropy', metric: 'actor/entropy', title: 'policy entropy', yLabel: 'entropy (actor/entropy, nats)', fromStep: 1, rate: false },
  {
    id: 'response-length',
    metric: 'response_length/mean',
    title: 'response length',
    yLabel: 'mean response length (tokens)',
    fromStep: 1,
    rate: false,
  },
];

export interface RenderedPlot {
  file: string;
  title: string;
  metric: string;
  svg: string;
}

/** One SVG per plot spec; configuration i has colour i in every plot. Plots with no data at all are left out. */
export function groupPlots(group: { group: string; title: string; labels: string[] }, runs: RunData[]): RenderedPlot[] {
  const out: RenderedPlot[] = [];
  for (const p of PLOTS) {
    const series = group.labels.map((label, i) => ({
      label,
      ...styleFor(i),
      points: curve(
        runs.filter((r) => r.group === group.group && r.label === label),
        p.metric,
        { fromStep: p.fromStep },
      ),
    }));
    if (series.every((s) => s.points.length === 0)) continue;
    out.push({
      file: `plots/${group.group}-${p.id}.svg`,
      title: `${group.title}: ${p.title}`,
      metric: p.metric,
      svg: lineChart({
        title: p.title,
        subtitle: group.title,
        xLabel: 'training step',
        yLabel: p.yLabel,
        series,
        includeZero: p.rate || p.zero === true,
        ...(p.rate ? { yCap: 1 } : {}),
      }),
    });
  }
  return out;
}
