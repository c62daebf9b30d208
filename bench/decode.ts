// Decode throughput on one backend (default wasm): greedy generation of 256 new tokens with the KV cache
// (prefill + one cached step per token, through the real sampler) versus recomputation without a cache
// (the full forward over the whole sequence at every step), side by side in one run, plus each path's model
// FLOP rate as a fraction of the same backend's measured matmul GFLOP/s.
// Script: node dist/bench/decode.js [--backend wasm] [--new-tokens 256]
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/select.js';
import { makeConfig, type ModelConfig } from '../src/model/config.js';
import { createTransformer } from '../src/model/init.js';
import type { Transformer } from '../src/model/transformer.js';
import { sample } from '../src/rollout/sample.js';
import type { BenchRow } from './types.js';

export interface DecodeBenchOptions {
  backend?: string;
  newTokens?: number;
  promptLength?: number;
}

/** A small Qwen2-shaped model: ~5M parameters. */
function benchConfig(): ModelConfig {
  return makeConfig({ hiddenSize: 256, intermediateSize: 768, numLayers: 4, numHeads: 8, numKvHeads: 4, vocabSize: 4096, tieWordEmbeddings: true });
}

/** Forward FLOPs of one token at position `pos` (0-based): 2·(matrix params) + attention (QK^T and PV). */
function tokenFlops(cfg: ModelConfig, pos: number): number {
  const h = cfg.hiddenSize;
  const q = cfg.numHeads * cfg.headDim;
  const kv = cfg.numKvHeads * cfg.headDim;
  const perLayer = h * q + 2 * h * kv + q * h + 3 * h * cfg.intermediateSize;
  const matrix = cfg.numLayers * perLayer + h * cfg.vocabSize;
  const attention = cfg.numLayers * 2 * 2 * q * (pos + 1);
  return 2 * matrix + attention;
}

/** Best of several timed trials: the machine is shared, so the fastest trial is the closest to the true rate. */
function matmulGflops(): number {
  const n = 512;
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  // Read outside tidy: tidy walks a returned typed array element by element, which would dominate the timing.
  const once = () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  for (let i = 0; i < 3; i++) once();
  let best = 0;
  for (let trial = 0; trial < 5; trial++) {
    const reps = 10;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) once();
    const s = (performance.now() - t0) / 1000;
    best = Math.max(best, (2 * n * n * n * reps) / s / 1e9);
  }
  tf.dispose([a, b]);
  return best;
}

function greedyNoCache(model: Transformer, prompt: number[], n: number): number[] {
  const seq = [...prompt];
  for (let i = 0; i < n; i++) {
    const last = tf.tidy(() => {
      const ids = tf.tensor2d(seq, [1, seq.length], 'int32');
      const logits = model.forwardLogits(ids, tf.ones([1, seq.length]) as tf.Tensor2D);
      return tf.argMax(tf.reshape(tf.slice(logits, [0, seq.length - 1, 0], [1, 1, -1]), [-1]));
    });
    seq.push(last.dataSync()[0]!);
    last.dispose();
  }
  return seq.slice(prompt.length);
}

export async function run(opts: DecodeBenchOptions = {}): Promise<BenchRow[]> {
  const backend = opts.backend ?? 'wasm';
  const newTokens = opts.newTokens ?? 256;
  const P = opts.promptLength ?? 16;
  await selectBackend(backend);
  const cfg = benchConfig();
  const model = createTransformer(cfg, { seed: 1, std: 0.05 });
  try {
    const prompt = Array.from({ length: P }, (_, i) => (i * 37 + 11) % cfg.vocabSize);
    const greedy = { temperature: 0, topP: 1, topK: 0, stopTokenIds: [], seed: 0 };
    // Warm-up (kernel setup, first-call allocations) for both paths.
    await sample(model, [prompt], { ...greedy, maxNewTokens: 4 });
    greedyNoCache(model, prompt, 4);

    const rateBefore = matmulGflops();
    let t0 = performance.now();
    const cached = await sample(model, [prompt], { ...greedy, maxNewTokens: newTokens });
    const cachedS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const recomputed = greedyNoCache(model, prompt, newTokens);
    const noCacheS = (performance.now() - t0) / 1000;
    const rate = Math.max(rateBefore, matmulGflops()); // measured before and after the decode runs
    const same = cached.tokens[0]!.every((t, i) => t === recomputed[i]);

    let cachedFlops = 0;
    for (let p = 0; p < P; p++) cachedFlops += tokenFlops(cfg, p); // prefill
    for (let i = 0; i < newTokens - 1; i++) cachedFlops += tokenFlops(cfg, P + i);
    let noCacheFlops = 0;
    for (let i = 0; i < newTokens; i++) for (let p = 0; p < P + i; p++) noCacheFlops += tokenFlops(cfg, p);

    const cachedTps = newTokens / cachedS;
    const noCacheTps = newTokens / noCacheS;
    const params = [...model.namedWeights().values()].reduce((s, v) => s + v.size, 0);
    const shape = `${(params / 1e6).toFixed(1)}M params, prompt ${P}, ${newTokens} new tokens, batch 1, ${backend}`;
    return [
      { bench: 'decode', metric: 'matmul 512x512x512', value: rate, unit: 'GFLOP/s', note: `${backend}; best of 5 trials before and after the decode runs` },
      {
        bench: 'decode',
        metric: 'greedy decode with KV cache',
        value: cachedTps,
        unit: 'tokens/s',
        baseline: noCacheTps,
        ratio: cachedTps / noCacheTps,
        note: `${shape}; ratio = cached / recompute tokens/s; same tokens as recompute: ${same}`,
      },
      { bench: 'decode', metric: 'greedy decode without cache (full recompute)', value: noCacheTps, unit: 'tokens/s', note: shape },
      {
        bench: 'decode',
        metric: 'KV-cache decode model FLOP rate / matmul rate',
        value: cachedFlops / cachedS / 1e9 / rate,
        unit: 'fraction',
        note: `${(cachedFlops / cachedS / 1e9).toFixed(2)} GFLOP/s model FLOPs`,
      },
      {
        bench: 'decode',
        metric: 'recompute decode model FLOP rate / matmul rate',
        value: noCacheFlops / noCacheS / 1e9 / rate,
        unit: 'fraction',
        note: `${(noCacheFlops / noCacheS / 1e9).toFixed(2)} GFLOP/s model FLOPs`,
      },
    ];
  } finally {
    model.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const get = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  run({ backend: get('--backend'), newTokens: get('--new-tokens') ? Number(get('--new-tokens')) : undefined })
    .then((rows) => {
      for (const r of rows) console.log(JSON.stringify(r));
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
