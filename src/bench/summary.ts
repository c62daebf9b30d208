// The numbers of the ablation table: per run (best step, pass@k there, cost), then mean ± std over seeds.
import type { MetricsLine, RunData } from './runs.js';

export const PASS1 = 'val/pass@1';
export const PASS5 = 'val/pass@5';
export const THROUGHPUT = 'perf/throughput';
export const STEP_TIME = 'timing_s/step';

export interface RunSummary {
  group: string;
  label: string;
  seed: number;
  dir: string;
  finished: boolean;
  /** Highest step with any metrics (0 when only the pre-training validation exists). */
  lastStep: number;
  /** Validation step with the highest val/pass@1 (earliest on ties); null without validation. */
  bestStep: number | null;
  pass1: number | null;
  /** val/pass@5 at the best step (null when the run samples fewer than 5 per problem). */
  pass5: number | null;
  /** done.json wall_s; for an unfinished run the sum of timing_s/step so far. */
  wallS: number | null;
  /** Mean of perf/throughput over training steps (tokens/s). */
  tokensPerS: number | null;
  /** metrics.jsonl lines skipped because a kill tore them. */
  tornLines: number;
}

/** Mean and sample (n−1) standard deviation; std is 0 for one value, null for none. */
export interface Stat {
  mean: number;
  std: number;
  n: number;
}

export interface ConfigSummary {
  group: string;
  label: string;
  seeds: number;
  finished: number;
  bestStep: Stat | null;
  pass1: Stat | null;
  pass5: Stat | null;
  wallS: Stat | null;
  tokensPerS: Stat | null;
}

export function stat(values: (number | null)[]): Stat | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std, n: xs.length };
}

/** The paper's "best checkpoint": the validation step with the highest pass@1 (step 0 included; ties → earliest). */
export function bestValidation(steps: MetricsLine[]): MetricsLine | null {
  let best: MetricsLine | null = null;
  for (const s of steps) {
    const p = s[PASS1];
    if (p === undefined) continue;
    if (best === null || p > best[PASS1]!) best = s;
  }
  return best;
}

function meanOf(steps: MetricsLine[], key: string, fromStep = 1): number | null {
  const xs = steps.filter((s) => s.step >= fromStep && s[key] !== undefined).map((s) => s[key]!);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

export function summarizeRun(run: RunData): RunSummary {
  const best = bestValidation(run.steps);
  const stepTimes = run.steps.filter((s) => s.step >= 1 && s[STEP_TIME] !== undefined).map((s) => s[STEP_TIME]!);
  const wallS = run.done ? run.done.wall_s : stepTimes.length ? stepTimes.reduce((a, b) => a + b, 0) : null;
  return {
    group: run.group,
    label: run.label,
    seed: run.seed,
    dir: run.dir,
    finished: run.done !== null,
    lastStep: run.steps.length ? run.steps[run.steps.length - 1]!.step : 0,
    bestStep: best ? best.step : null,
    pass1: best ? best[PASS1]! : null,
    pass5: best && best[PASS5] !== undefined ? best[PASS5] : null,
    wallS,
    tokensPerS: meanOf(run.steps, THROUGHPUT),
    tornLines: run.tornLines?.length ?? 0,
  };
}

/** Mean ± std over the seeds of each configuration, in the order the labels are given. */
export function summarizeConfigs(group: string, labels: string[], runs: RunSummary[]): ConfigSummary[] {
  return labels.map((label) => {
    const rs = runs.filter((r) => r.group === group && r.label === label);
    return {
      group,
      label,
      seeds: rs.length,
      finished: rs.filter((r) => r.finished).length,
      bestStep: stat(rs.map((r) => r.bestStep)),
      pass1: stat(rs.map((r) => r.pass1)),
      pass5: stat(rs.map((r) => r.pass5)),
      wallS: stat(rs.map((r) => r.wallS)),
      tokensPerS: stat(rs.map((r) => r.tokensPerS)),
    };
  });
}

/** A metric against step for one configuration: mean over seeds with the min–max band. */
export interface CurvePoint {
  step: number;
  mean: number;
  min: number;
  max: number;
  n: number;
}

export function curve(runs: RunData[], key: string, opts: { fromStep?: number } = {}): CurvePoint[] {
  const byStep = new Map<number, number[]>();
  for (const r of runs) {
    for (const s of r.steps) {
      if (s.step < (opts.fromStep ?? 0)) continue;
      const v = s[key];
      if (v === undefined) continue;
      const list = byStep.get(s.step) ?? [];
      list.push(v);
      byStep.set(s.step, list);
    }
  }
  return [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([step, xs]) => ({ step, mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: Math.min(...xs), max: Math.max(...xs), n: xs.length }));
}
