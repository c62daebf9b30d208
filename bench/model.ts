// Model benches on one backend (default wasm):
//  (a) memory: the fused token log-prob op scoring B=16 × T=4096 tokens against a 151,936-token vocabulary
//      (H=64; weights excluded), peak tf.memory().numBytes sampled inside every chunk, next to what full
//      logits would take; plus forward+backward peaks at two token counts (peak must not grow with N).
//  (b) training step (forward + backward, and with an Adam update) of a ~11M-parameter Qwen2-shaped model at
//      T=512: tokens/s and model FLOP/s (6·params·tokens + 12·layers·T·(heads·head_dim)·tokens) as a fraction
//      of the same backend's plain-matmul GFLOP/s, calibrated between the steps of the same run.
//      The machine is shared, so both wall-clock and process-CPU-time rates are reported (wasm is single-threaded).
// Decode with/without the KV cache is bench/decode.ts.
// Script: node dist/bench/model.js [--backend wasm] [--quick] [--only train|memory]
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { tokenLogProbs } from '../kernels/index.js';
import { selectBackend } from '../src/backend/select.js';
import { makeConfig, type ModelConfig } from '../src/model/config.js';
import { createTransformer } from '../src/model/init.js';
import type { BenchRow } from './types.js';

export interface ModelBenchOptions {
  backend?: string;
  /** Smaller shapes (for a smoke run): B·T = 2·4096 in (a), one step in (b). */
  quick?: boolean;
  /** Which parts to run (default both). */
  parts?: ('train' | 'memory')[];
}

const BENCH = 'model';
const QWEN_VOCAB = 151_936;

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Timing {
  wall: number;
  cpu: number;
}

function timed(f: () => void): Timing {
  const w0 = performance.now();
  const c0 = cpuSeconds();
  f();
  return { wall: (performance.now() - w0) / 1000, cpu: cpuSeconds() - c0 };
}

/** Peak tensor bytes of the fused log-prob op over N tokens (forward, or forward + backward). */
function logProbPeak(n: number, hidden: number, vocab: number, withGrad: boolean): { peak: number; base: number; seconds: Timing } {
  const h = tf.randomNormal([n, hidden], 0, 1, 'float32', 1);
  const w = tf.randomNormal([hidden, vocab], 0, 0.05, 'float32', 2);
  const targets = tf.randomUniform([n], 0, vocab, 'int32', 3);
  const base = tf.memory().numBytes;
  let peak = base;
  const probe = () => {
    peak = Math.max(peak, tf.memory().numBytes);
  };
  const seconds = timed(() => {
    if (withGrad) {
      const g = tf.grads((hh: tf.Tensor, ww: tf.Tensor) => {
        const r = tokenLogProbs(hh as tf.Tensor2D, ww as tf.Tensor2D, targets as tf.Tensor1D, { withEntropy: true, onChunk: probe });
        return tf.add(tf.sum(r.logProbs), tf.mul(tf.sum(r.entropy), 0.01)) as tf.Scalar;
      })([h, w]);
      probe();
      g.forEach((t) => t.dataSync());
      tf.dispose(g);
    } else {
      const r = tokenLogProbs(h as tf.Tensor2D, w as tf.Tensor2D, targets as tf.Tensor1D, { withEntropy: true, onChunk: probe });
      r.logProbs.dataSync();
      probe();
      tf.dispose([r.logProbs, r.entropy]);
    }
  });
  tf.dispose([h, w, targets]);
  return { peak, base, seconds };
}

function memoryRows(quick: boolean): BenchRow[] {
  const H = 64;
  const rows: BenchRow[] = [];
  const B = quick ? 2 : 16;
  const T = 4096;
  const n = B * T;
  const fwd = logProbPeak(n, H, QWEN_VOCAB, false);
  const fullLogits = n * QWEN_VOCAB * 4;
  rows.push({
    bench: BENCH,
    metric: `scoring peak tensor memory beyond inputs, B=${B} T=${T} V=${QWEN_VOCAB} H=${H} (forward, with entropy)`,
    value: (fwd.peak - fwd.base) / 2 ** 20,
    unit: 'MiB',
    baseline: fullLogits / 2 ** 20,
    ratio: (fwd.peak - fwd.base) / fullLogits,
    note: `baseline = one float32 [B·T, V] logits tensor; goal < 2048 MiB; inputs ${(fwd.base / 2 ** 20).toFixed(0)} MiB; ${fwd.seconds.wall.toFixed(1)} s wall`,
  });
  // Forward + backward at two token counts: the peak must not grow with N.
  for (const tokens of quick ? [1024, 2048] : [4096, 16384]) {
    const r = logProbPeak(tokens, H, QWEN_VOCAB, true);
    rows.push({
      bench: BENCH,
      metric: `log-prob forward+backward peak beyond inputs, N=${tokens} V=${QWEN_VOCAB} H=${H}`,
      value: (r.peak - r.base) / 2 ** 20,
      unit: 'MiB',
      baseline: (tokens * QWEN_VOCAB * 4) / 2 ** 20,
      ratio: (r.peak - r.base) / (tokens * QWEN_VOCAB * 4),
      note: `includes the [H, V] head gradient (${((H * QWEN_VOCAB * 4) / 2 ** 20).toFixed(0)} MiB); ${r.seconds.wall.toFixed(1)} s wall`,
    });
  }
  return rows;
}

/** ~11M parameters: Qwen2-shaped (GQA, q/k/v bias, tied embeddings). */
export function trainBenchConfig(): ModelConfig {
  return makeConfig({ hiddenSize: 384, intermediateSize: 1024, numLayers: 6, numHeads: 6, numKvHeads: 2, vocabSize: 4096, tieWordEmbeddings: true });
}

/** Plain matmul rate at the model's dominant shape ([tokens, H] × [H, I]). */
function matmulRate(m: number, k: number, n: number, reps: number): Timing {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  const once = () => {
    const y = tf.matMul(a, b);
    y.dataSync(); // never return a typed array from tf.tidy: tidy walks it element by element
    y.dispose();
  };
  once();
  const t = timed(() => {
    for (let i = 0; i < reps; i++) once();
  });
  tf.dispose([a, b]);
  const flops = 2 * m * k * n * reps;
  return { wall: flops / t.wall / 1e9, cpu: flops / t.cpu / 1e9 };
}

function trainRows(quick: boolean): BenchRow[] {
  const cfg = trainBenchConfig();
  const B = 2;
  const T = 512;
  const model = createTransformer(cfg, { seed: 1 });
  const params = model.parameterCount();
  const ids = tf.randomUniform([B, T], 0, cfg.vocabSize, 'int32', 5) as tf.Tensor2D;
  const mask = tf.ones([B, T]) as tf.Tensor2D;
  const respLen = T - 1;
  const optimizer = tf.train.adam(1e-4);
  const step = (withOptimizer: boolean) => {
    const { value, grads } = tf.variableGrads(
      () => tf.neg(tf.mean(model.scoreResponses({ ids, attentionMask: mask, responseLength: respLen }).logProbs)) as tf.Scalar,
      model.trainableVariables,
    );
    if (withOptimizer) optimizer.applyGradients(grads as unknown as Record<string, tf.Variable>);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  step(true); // warm-up (kernels, optimizer slots)
  const tokens = B * T;
  const flops = 6 * params * tokens + 12 * cfg.numLayers * T * cfg.numHeads * cfg.headDim * tokens;
  const reps = quick ? 1 : 3;
  // Interleave: matmul calibration, step, matmul, step ... so load changes hit both sides alike.
  const mm: Timing[] = [];
  const fb: Timing[] = [];
  const full: Timing[] = [];
  for (let r = 0; r < reps; r++) {
    mm.push(matmulRate(tokens, cfg.hiddenSize, cfg.intermediateSize, 5));
    fb.push(timed(() => step(false)));
    full.push(timed(() => step(true)));
  }
  mm.push(matmulRate(tokens, cfg.hiddenSize, cfg.intermediateSize, 5));
  model.dispose();
  optimizer.dispose();
  tf.dispose([ids, mask]);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mmWall = mean(mm.map((t) => t.wall));
  const mmCpu = mean(mm.map((t) => t.cpu));
  const rows: BenchRow[] = [
    { bench: BENCH, metric: `plain matmul ${tokens}x${cfg.hiddenSize}x${cfg.intermediateSize} (wall)`, value: mmWall, unit: 'GFLOP/s' },
    { bench: BENCH, metric: `plain matmul ${tokens}x${cfg.hiddenSize}x${cfg.intermediateSize} (cpu time)`, value: mmCpu, unit: 'GFLOP/s' },
  ];
  for (const [label, ts] of [
    ['forward+backward', fb],
    ['forward+backward+adam', full],
  ] as const) {
    const wall = mean(ts.map((t) => t.wall));
    const cpu = mean(ts.map((t) => t.cpu));
    const note = `${(params / 1e6).toFixed(2)}M params, B=${B} T=${T}, ${(flops / 1e9).toFixed(1)} GFLOP/step, ${reps} steps`;
    rows.push({ bench: BENCH, metric: `train step ${label} tokens/s (wall)`, value: tokens / wall, unit: 'tokens/s', note });
    rows.push({
      bench: BENCH,
      metric: `train step ${label}: model FLOP/s ÷ matmul FLOP/s (wall)`,
      value: flops / wall / 1e9,
      unit: 'GFLOP/s',
      baseline: mmWall,
      ratio: flops / wall / 1e9 / mmWall,
      note: 'goal ratio > 0.30',
    });
    rows.push({
      bench: BENCH,
      metric: `train step ${label}: model FLOP/s ÷ matmul FLOP/s (cpu time)`,
      value: flops / cpu / 1e9,
      unit: 'GFLOP/s',
      baseline: mmCpu,
      ratio: flops / cpu / 1e9 / mmCpu,
      note: 'process CPU time: robust to other processes on a shared machine; goal ratio > 0.30',
    });
  }
  return rows;
}

export async function run(opts: ModelBenchOptions = {}): Promise<BenchRow[]> {
  const backend = opts.backend ?? 'wasm';
  await selectBackend(backend);
  const quick = opts.quick ?? false;
  const parts = opts.parts ?? ['train', 'memory'];
  const rows = [...(parts.includes('train') ? trainRows(quick) : []), ...(parts.includes('memory') ? memoryRows(quick) : [])];
  for (const r of rows) r.note = `${backend}${r.note ? '; ' + r.note : ''}`;
  return rows;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const bi = args.indexOf('--backend');
  const oi = args.indexOf('--only');
  const parts = oi >= 0 ? [args[oi + 1] as 'train' | 'memory'] : undefined;
  const rows = await run({ backend: bi >= 0 ? args[bi + 1] : undefined, quick: args.includes('--quick'), parts });
  for (const r of rows) {
    const extra = r.ratio !== undefined ? `  (baseline ${r.baseline?.toFixed(2)}, ratio ${r.ratio.toFixed(3)})` : '';
    console.log(`${r.metric}: ${r.value.toFixed(2)} ${r.unit}${extra}${r.note ? '  — ' + r.note : ''}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
