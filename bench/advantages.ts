// Advantage estimators on tensors (wasm backend) vs a plain per-row JavaScript loop, side by side.
// Both implement the same contract: [B, T] tensors in, [B, T] advantage tensor out, so the loop's
// time includes reading its inputs from the backend and uploading its result.
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../src/backend/select.js';
import { getAdvantageEstimator } from '../src/algos/index.js';
import type { BenchRow } from './types.js';

const ESTIMATORS = ['grpo', 'rloo', 'reinforce_plus_plus_baseline', 'grpo_passk', 'reinforce_plus_plus'] as const;
type Name = (typeof ESTIMATORS)[number];

export interface AdvantagesBenchOptions {
  rows?: number;
  tokens?: number;
  groupSize?: number;
  repeats?: number;
  backend?: string;
}

/** Per-row loop implementations, verl's Python transcribed to typed arrays. */
function loopAdvantages(name: Name, r: Float32Array, m: Float32Array, index: number[], B: number, T: number): Float32Array {
  const out = new Float32Array(B * T);
  const scores = new Float64Array(B);
  for (let i = 0; i < B; i++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += r[i * T + t]!;
    scores[i] = s;
  }
  const groups = new Map<number, number[]>();
  index.forEach((g, i) => (groups.get(g) ?? groups.set(g, []).get(g)!).push(i));
  const perRow = new Float64Array(B);
  const stats = (rows: number[]) => {
    let mu = 0;
    for (const i of rows) mu += scores[i]!;
    mu /= rows.length;
    let v = 0;
    for (const i of rows) v += (scores[i]! - mu) ** 2;
    return { mu, sd: Math.sqrt(v / (rows.length - 1)) };
  };
  const fill = () => {
    for (let i = 0; i < B; i++) for (let t = 0; t < T; t++) out[i * T + t] = perRow[i]! * m[i * T + t]!;
  };
  const whitenInPlace = (x: Float32Array) => {
    let s = 0, n = 0;
    for (let k = 0; k < B * T; k++) { s += x[k]! * m[k]!; n += m[k]!; }
    const mu = s / (n + 1e-8);
    let ss = 0;
    for (let k = 0; k < B * T; k++) ss += (x[k]! - mu) ** 2 * m[k]!;
    const rs = 1 / Math.sqrt((ss / (n + 1e-8)) * (n / (n - 1)) + 1e-8);
    for (let k = 0; k < B * T; k++) x[k] = (x[k]! - mu) * rs * m[k]!;
  };
  switch (name) {
    case 'grpo':
      for (const rows of groups.values()) {
        const { mu, sd } = rows.length > 1 ? stats(rows) : { mu: 0, sd: 1 };
        for (const i of rows) perRow[i] = (scores[i]! - mu) / (sd + 1e-6);
      }
      fill();
      break;
    case 'rloo':
      for (const rows of groups.values()) {
        const n = rows.length;
        const { mu } = n > 1 ? stats(rows) : { mu: 0 };
        for (const i of rows) perRow[i] = n > 1 ? (scores[i]! * n) / (n - 1) - (mu * n) / (n - 1) : scores[i]!;
      }
      fill();
      break;
    case 'reinforce_plus_plus_baseline':
      for (const rows of groups.values()) {
        const { mu } = rows.length > 1 ? stats(rows) : { mu: 0 };
        for (const i of rows) perRow[i] = scores[i]! - mu;
      }
      fill();
      whitenInPlace(out);
      break;
    case 'grpo_passk':
      for (const rows of groups.values()) {
        let best = rows[0]!;
        for (const i of rows) if (scores[i]! > scores[best]!) best = i;
        let second = -Infinity;
        for (const i of rows) if (i !== best && scores[i]! > second) second = scores[i]!;
        perRow[best] = (scores[best]! - second) / (stats(rows).sd + 1e-6);
      }
      fill();
      break;
    case 'reinforce_plus_plus':
      for (let i = 0; i < B; i++) {
        let running = 0;
        for (let t = T - 1; t >= 0; t--) {
          running = r[i * T + t]! + running; // gamma = 1
          out[i * T + t] = running;
          running *= m[i * T + t]!;
        }
      }
      whitenInPlace(out);
      break;
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(opts: AdvantagesBenchOptions = {}): Promise<BenchRow[]> {
  const B = opts.rows ?? 1024, T = opts.tokens ?? 4096, n = opts.groupSize ?? 16, repeats = opts.repeats ?? 5;
  const backend = await selectBackend(opts.backend ?? 'wasm');
  // Outcome rewards (pass/fail or partial) on the last token of ragged prefix masks.
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  const r = new Float32Array(B * T), m = new Float32Array(B * T);
  const index: number[] = [];
  for (let i = 0; i < B; i++) {
    index.push(Math.floor(i / n));
    const L = 1 + Math.floor(rand() * T);
    m.fill(1, i * T, i * T + L);
    r[i * T + L - 1] = rand() < 0.5 ? 1 : Math.round(rand() * 4) / 4;
  }
  const rewards = tf.tensor2d(r, [B, T]);
  const mask = tf.tensor2d(m, [B, T]);
  const rows: BenchRow[] = [];
  for (const name of ESTIMATORS) {
    const est = getAdvantageEstimator(name);
    const tensorRun = () => {
      const out = est({ tokenLevelRewards: rewards, responseMask: mask, index });
      // Read one element so the time covers finished work on any backend (wasm runs eagerly anyway).
      out.advantages.slice([0, 0], [1, 1]).dataSync();
      return out;
    };
    const loopRun = (withIo: boolean) => {
      const rr = withIo ? (rewards.dataSync() as Float32Array) : r;
      const mm = withIo ? (mask.dataSync() as Float32Array) : m;
      const out = loopAdvantages(name, rr, mm, index, B, T);
      return withIo ? tf.tensor2d(out, [B, T]) : out;
    };
    // Agreement check, then warm-up.
    const check = tensorRun();
    const ref = loopAdvantages(name, r, m, index, B, T);
    const got = check.advantages.dataSync();
    let maxDiff = 0;
    for (let k = 0; k < ref.length; k++) maxDiff = Math.max(maxDiff, Math.abs(got[k]! - ref[k]!));
    tf.dispose([check.advantages, check.returns]);
    const tTensor: number[] = [], tLoop: number[] = [], tCore: number[] = [];
    for (let k = 0; k < repeats; k++) {
      let t0 = performance.now();
      const o = tensorRun();
      tTensor.push(performance.now() - t0);
      tf.dispose([o.advantages, o.returns]);
      t0 = performance.now();
      const l = loopRun(true) as tf.Tensor;
      tLoop.push(performance.now() - t0);
      l.dispose();
      t0 = performance.now();
      loopRun(false);
      tCore.push(performance.now() - t0);
    }
    const tensorMs = median(tTensor), loopMs = median(tLoop), coreMs = median(tCore);
    const shape = `${B}x${T} n=${n}`;
    rows.push({
      bench: 'advantages', metric: `${name} ${shape} tensor (${backend.name})`, value: tensorMs, unit: 'ms',
      baseline: loopMs, ratio: loopMs / tensorMs,
      note: `ratio = JS loop ms / tensor ms, median of ${repeats}; loop includes reading inputs and uploading the result; max |tensor − loop| = ${maxDiff.toExponential(1)}`,
    });
    rows.push({
      bench: 'advantages', metric: `${name} ${shape} JS loop core only`, value: coreMs, unit: 'ms',
      baseline: tensorMs, ratio: coreMs / tensorMs,
      note: 'the loop on arrays already in JS memory (no tensor I/O); ratio = loop core ms / tensor ms',
    });
  }
  tf.dispose([rewards, mask]);
  return rows;
}

function printTable(rows: BenchRow[]): void {
  console.log('| estimator | tensor ms | JS loop ms (with tensor I/O) | loop/tensor | loop core ms | core/tensor |');
  console.log('|---|---|---|---|---|---|');
  for (let k = 0; k < rows.length; k += 2) {
    const t = rows[k]!, c = rows[k + 1]!;
    console.log(`| ${t.metric.split(' ')[0]} | ${t.value.toFixed(1)} | ${t.baseline!.toFixed(1)} | ${t.ratio!.toFixed(2)}x | ${c.value.toFixed(1)} | ${c.ratio!.toFixed(2)}x |`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run()
    .then((rows) => {
      printTable(rows);
      console.log(JSON.stringify(rows, null, 2));
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
