// Training-step and decode throughput of the transformer on one backend (default webgpu), with each rate as a
// fraction of the same device's fp32 matmul peak measured in the same run (a large square matmul).
//   node dist/bench/webgpu.js                      # tiny model: runs on lavapipe (CPU Vulkan) in a minute
//   node dist/bench/webgpu.js --size 0.5b          # Qwen2.5-0.5B shape, random weights, T=1024, n=16 (a real GPU)
//   options: --backend webgpu|wasm|cpu  --n ROWS  --t RESPONSE_LEN  --prompt LEN  --decode TOKENS
//            --micro-batch ROWS (rows per forward/backward; gradients are accumulated)  --steps N  --json FILE
//            --no-ab (skip the training step re-run with the tfjs-op kernels)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice } from '../src/backend/select.js';
import { makeConfig, type ModelConfig } from '../src/model/config.js';
import { createTransformer } from '../src/model/init.js';
import type { Transformer } from '../src/model/transformer.js';
import { sample } from '../src/rollout/sample.js';
import { AdamW, trainableByName } from '../src/trainer/optimizer.js';
import { activeImpl, attention, registerBackendImpl, rmsNorm, tokenLogProbs, unregisterBackendImpl } from '../kernels/index.js';
import { WEBGPU_IMPLS } from '../kernels/webgpu/index.js';
import type { BenchRow } from './types.js';

export interface WebgpuBenchOptions {
  backend?: string;
  size?: 'tiny' | 'small' | '0.5b';
  /** Rows (completions) per training step and per decode batch. */
  n?: number;
  /** Response length T scored per row in the training step. */
  t?: number;
  promptLength?: number;
  decodeTokens?: number;
  microBatch?: number;
  steps?: number;
  /** Side of the square matmul that measures the peak. */
  peakMatmul?: number;
  /** Skip the side-by-side training step with the tfjs-op kernels (halves the bench time). */
  skipAb?: boolean;
}

interface SizePreset {
  config: () => ModelConfig;
  n: number;
  t: number;
  prompt: number;
  decode: number;
  microBatch: number;
  steps: number;
  peakMatmul: number;
  /** Tokens per chunk of the fused log-prob op (the model's default keeps a [chunk, V] tensor ≤ 64 MB). */
  logProbChunk?: number;
}

const PRESETS: Record<NonNullable<WebgpuBenchOptions['size']>, SizePreset> = {
  // Small enough for lavapipe on 2 CPU cores.
  tiny: {
    config: () => makeConfig({ hiddenSize: 128, intermediateSize: 384, numLayers: 2, numHeads: 4, numKvHeads: 2, vocabSize: 2048, tieWordEmbeddings: true }),
    n: 4,
    t: 32,
    prompt: 16,
    decode: 16,
    microBatch: 4,
    steps: 2,
    peakMatmul: 512,
  },
  small: {
    config: () => makeConfig({ hiddenSize: 512, intermediateSize: 1536, numLayers: 8, numHeads: 8, numKvHeads: 2, vocabSize: 32768, tieWordEmbeddings: true }),
    n: 8,
    t: 256,
    prompt: 64,
    decode: 64,
    microBatch: 8,
    steps: 3,
    peakMatmul: 2048,
  },
  // Qwen2.5-0.5B's architecture (hidden 896, 24 layers, 14 q / 2 kv heads, vocab 151936, tied embeddings).
  '0.5b': {
    config: () =>
      makeConfig({
        hiddenSize: 896,
        intermediateSize: 4864,
        numLayers: 24,
        numHeads: 14,
        numKvHeads: 2,
        vocabSize: 151936,
        tieWordEmbeddings: true,
        ropeTheta: 1000000,
        maxPositionEmbeddings: 32768,
      }),
    n: 16,
    t: 1024,
    prompt: 256,
    decode: 64,
    microBatch: 4,
    steps: 3,
    peakMatmul: 4096,
    logProbChunk: 512, // [512, 151936] fp32 = 311 MB per chunk: fewer, larger matmuls on a big GPU
  },
};

/** Matrix parameters touched per token (embedding lookup excluded; the LM head included). */
function matrixParams(cfg: ModelConfig): number {
  const h = cfg.hiddenSize;
  const q = cfg.numHeads * cfg.headDim;
  const kv = cfg.numKvHeads * cfg.headDim;
  return cfg.numLayers * (h * q + 2 * h * kv + q * h + 3 * h * cfg.intermediateSize) + h * cfg.vocabSize;
}

/** Forward FLOPs of a sequence of `len` tokens with causal attention: 2·params per token + QKᵀ and PV. */
function forwardFlops(cfg: ModelConfig, len: number): number {
  const q = cfg.numHeads * cfg.headDim;
  // Σ over positions of 2·2·q·(pos+1) per layer; the fused op computes the full L×L scores, count those.
  return 2 * matrixParams(cfg) * len + cfg.numLayers * 4 * q * len * len;
}

/** fp32 matmul rate of this device: a square matmul of side m, repeated; GFLOP/s. */
async function matmulPeak(m: number): Promise<number> {
  const a = tf.randomNormal([m, m]);
  const b = tf.randomNormal([m, m]);
  const once = () => tf.matMul(a, b);
  await once().data(); // compile + warm
  let reps = 1;
  let seconds = 0;
  // Grow the repetition count until a measurement takes ≥ 1 s (GPU queues are asynchronous: read the last one).
  for (;;) {
    const t0 = performance.now();
    let last: tf.Tensor | null = null;
    for (let i = 0; i < reps; i++) {
      last?.dispose();
      last = once();
    }
    await last!.data();
    last!.dispose();
    seconds = (performance.now() - t0) / 1000;
    if (seconds >= 1 || reps >= 4096) break;
    reps *= 4;
  }
  tf.dispose([a, b]);
  return (2 * m ** 3 * reps) / seconds / 1e9;
}

function syntheticIds(rows: number, len: number, vocab: number, seed: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: len }, (_, i) => (r * 7919 + i * 104729 + seed * 31) % vocab));
}

/** One PPO-style training step: score → −mean(logp·adv) − 0.001·entropy → grads (accumulated over micro-batches) → AdamW. */
async function trainingStep(model: Transformer, opt: AdamW, ids: number[][], responseLength: number, microBatch: number): Promise<number> {
  const vars = model.trainableVariables;
  let acc: tf.Tensor[] | null = null;
  let lossSum = 0;
  const chunks = Math.ceil(ids.length / microBatch);
  for (let c = 0; c < chunks; c++) {
    const rows = ids.slice(c * microBatch, (c + 1) * microBatch);
    const idsT = tf.tensor2d(rows, undefined, 'int32');
    const maskT = tf.onesLike(idsT).toFloat() as tf.Tensor2D;
    const adv = tf.tidy(() => tf.sub(tf.range(0, rows.length).reshape([rows.length, 1]).div(rows.length), 0.5));
    const { value, grads } = tf.variableGrads(() =>
      tf.tidy(() => {
        const r = model.scoreResponses({ ids: idsT, attentionMask: maskT, responseLength, withEntropy: true });
        const pg = tf.neg(tf.mean(tf.mul(r.logProbs, adv)));
        return tf.sub(pg, tf.mul(0.001, tf.mean(r.entropy!))).div(chunks) as tf.Scalar;
      }),
      vars,
    );
    const g = vars.map((v) => grads[v.name]!);
    if (acc === null) acc = g;
    else {
      const next: tf.Tensor[] = acc.map((a, i) => tf.add(a, g[i]!));
      tf.dispose([...acc, ...g]);
      acc = next;
    }
    lossSum += (await value.data())[0]!;
    tf.dispose([idsT, maskT, adv, value]);
  }
  opt.step(acc!, 1e-5);
  tf.dispose(acc!);
  await vars[vars.length - 1]!.data(); // the update has finished on the device
  return lossSum;
}

/** Seconds per call of fn (forward + backward, awaited), best of a few timed batches after a warm-up. */
async function timeCall(fn: () => tf.Tensor[]): Promise<number> {
  const once = async (reps: number) => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      const out = fn();
      if (i === reps - 1) await Promise.all(out.map((t) => t.data()));
      tf.dispose(out);
    }
    return (performance.now() - t0) / 1000 / reps;
  };
  await once(1);
  let best = Infinity;
  for (let k = 0; k < 3; k++) best = Math.min(best, await once(3));
  return best;
}

/**
 * WGSL kernels (kernels/webgpu/) vs the tfjs-op versions of the same ops (kernels/*.ts "fused"), side by side on
 * this backend: value + gradient of rmsNorm and of tokenLogProbs at the model's shapes.
 */
async function kernelRows(cfg: ModelConfig, rowsPerBatch: number, seqLen: number, device: string): Promise<BenchRow[]> {
  if (tf.getBackend() !== 'webgpu') return [];
  const tokens = rowsPerBatch * seqLen;
  const h = cfg.hiddenSize;
  const v = cfg.vocabSize;
  const x = tf.randomNormal([tokens, h]) as tf.Tensor2D;
  const w = tf.randomNormal([h], 1, 0.1) as tf.Tensor1D;
  const head = tf.randomNormal([h, v], 0, 0.02) as tf.Tensor2D;
  const targets = tf.randomUniform([tokens], 0, v, 'int32') as tf.Tensor1D;
  const d = cfg.headDim;
  const q = tf.randomNormal([rowsPerBatch, cfg.numHeads, seqLen, d]) as tf.Tensor4D;
  const k = tf.randomNormal([rowsPerBatch, cfg.numKvHeads, seqLen, d]) as tf.Tensor4D;
  const vv = tf.randomNormal([rowsPerBatch, cfg.numKvHeads, seqLen, d]) as tf.Tensor4D;
  const bias = tf.tidy(() => {
    const r = tf.range(0, seqLen, 1, 'int32');
    const causal = tf.lessEqual(tf.reshape(r, [1, seqLen]), tf.reshape(r, [seqLen, 1]));
    return tf.tile(tf.expandDims(tf.where(causal, tf.zeros([seqLen, seqLen]), tf.fill([seqLen, seqLen], -1e9)), 0), [rowsPerBatch, 1, 1]);
  }) as tf.Tensor3D;
  const cases: [string, () => tf.Tensor[]][] = [
    ['rmsNorm', () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(rmsNorm(a as tf.Tensor2D, b as tf.Tensor1D, 1e-6)) as tf.Scalar)([x, w])],
    [
      'tokenLogProbs',
      () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => {
          const r = tokenLogProbs(a as tf.Tensor2D, b as tf.Tensor2D, targets, { withEntropy: true });
          return tf.add(tf.sum(r.logProbs), tf.sum(r.entropy)) as tf.Scalar;
        })([x, head]),
    ],
  ];
  cases.push(['attention', () => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(attention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, bias)) as tf.Scalar)([q, k, vv])]);
  const shapes: Record<string, string> = {
    rmsNorm: `${tokens} tokens, hidden ${h}`,
    tokenLogProbs: `${tokens} tokens, hidden ${h}, vocab ${v}`,
    attention: `batch ${rowsPerBatch}, ${cfg.numHeads}/${cfg.numKvHeads} heads, length ${seqLen}, head dim ${d}`,
  };
  const rows: BenchRow[] = [];
  for (const [op, fn] of cases) {
    const impl = WEBGPU_IMPLS[op];
    if (!impl) continue;
    registerBackendImpl(op, 'webgpu', impl);
    const wgsl = await timeCall(fn);
    unregisterBackendImpl(op, 'webgpu');
    const ops = await timeCall(fn);
    registerBackendImpl(op, 'webgpu', impl);
    rows.push({
      bench: 'webgpu',
      metric: `${op} value+grad, webgpu implementation`,
      value: wgsl * 1000,
      unit: 'ms',
      baseline: ops * 1000,
      ratio: ops / wgsl,
      note: `${device}; ${shapes[op]}; baseline = the tfjs-op version (kernels/${op}) on the same backend; ratio = speed-up`,
    });
    console.error(`[bench/webgpu] ${op}: webgpu impl ${(wgsl * 1000).toFixed(2)} ms vs tfjs ops ${(ops * 1000).toFixed(2)} ms`);
  }
  tf.dispose([x, w, head, targets, q, k, vv, bias]);
  return rows;
}

export async function run(opts: WebgpuBenchOptions = {}): Promise<BenchRow[]> {
  const backendName = opts.backend ?? 'webgpu';
  const preset = PRESETS[opts.size ?? 'tiny'];
  if (!preset) throw new Error(`--size must be one of ${Object.keys(PRESETS).join(', ')} (got ${opts.size})`);
  const n = opts.n ?? preset.n;
  const t = opts.t ?? preset.t;
  const p = opts.promptLength ?? preset.prompt;
  const decode = opts.decodeTokens ?? preset.decode;
  const micro = Math.min(n, opts.microBatch ?? preset.microBatch);
  const steps = opts.steps ?? preset.steps;
  const choice: BackendChoice = await selectBackend(backendName);
  const device = describeDevice(choice);
  console.error(`[bench/webgpu] ${device}`);

  const peak = await matmulPeak(opts.peakMatmul ?? preset.peakMatmul);
  console.error(`[bench/webgpu] matmul peak: ${peak.toFixed(1)} GFLOP/s`);

  const cfg = preset.config();
  let t0 = performance.now();
  const model = createTransformer(cfg, { seed: 1, std: 0.02, logProbChunkSize: preset.logProbChunk });
  const params = model.parameterCount();
  console.error(`[bench/webgpu] model: ${(params / 1e6).toFixed(1)}M parameters, init ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const opt = new AdamW(trainableByName(model), { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
  const shape = `${(params / 1e6).toFixed(1)}M params, n=${n}, prompt ${p} + response ${t}, micro-batch ${micro}`;
  try {
    // ---- training step
    const ids = syntheticIds(n, p + t, cfg.vocabSize, 0);
    await trainingStep(model, opt, ids, t, micro); // warm-up: shader compilation, buffer pools
    t0 = performance.now();
    for (let s = 0; s < steps; s++) await trainingStep(model, opt, ids, t, micro);
    const stepS = (performance.now() - t0) / 1000 / steps;
    const trainTps = (n * t) / stepS;
    // Forward + backward ≈ 3× forward FLOPs, over the whole (prompt + response) sequence.
    const trainFlops = 3 * n * forwardFlops(cfg, p + t);
    const trainFrac = trainFlops / stepS / 1e9 / peak;
    console.error(`[bench/webgpu] training step ${stepS.toFixed(2)} s: ${trainTps.toFixed(1)} response tokens/s`);
    // The same step with the tfjs-op versions of the fused ops (what RL_WEBGPU_FUSED=0 runs), side by side.
    let opsStepS: number | null = null;
    if (choice.name === 'webgpu' && !opts.skipAb) {
      const active = Object.keys(WEBGPU_IMPLS).filter((op) => activeImpl(op) === 'backend:webgpu');
      for (const op of active) unregisterBackendImpl(op, 'webgpu');
      try {
        await trainingStep(model, opt, ids, t, micro);
        t0 = performance.now();
        for (let s = 0; s < steps; s++) await trainingStep(model, opt, ids, t, micro);
        opsStepS = (performance.now() - t0) / 1000 / steps;
      } finally {
        for (const op of active) registerBackendImpl(op, 'webgpu', WEBGPU_IMPLS[op]!);
      }
      console.error(`[bench/webgpu] training step with tfjs-op kernels: ${opsStepS.toFixed(2)} s`);
    }

    // ---- decode (the real sampler: prefill, then one cached step per token; logits read back each step)
    const prompts = syntheticIds(n, p, cfg.vocabSize, 1);
    const greedy = { temperature: 0, topP: 1, topK: 0, stopTokenIds: [], seed: 0 };
    await sample(model, prompts, { ...greedy, maxNewTokens: 2 }); // warm-up
    t0 = performance.now();
    await sample(model, prompts, { ...greedy, maxNewTokens: 1 }); // prefill + the first token
    const prefillS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const out = await sample(model, prompts, { ...greedy, maxNewTokens: decode + 1 });
    const decodeS = Math.max(1e-9, (performance.now() - t0) / 1000 - prefillS);
    const produced = out.tokens.reduce((s, r) => s + r.length, 0) - n; // tokens after the first
    const decodeTps = produced / decodeS;
    // A decode step: 2·params per token + attention over the cache (≈ p + decode/2 positions on average).
    const decodeFlops = produced * (2 * matrixParams(cfg) + cfg.numLayers * 4 * cfg.numHeads * cfg.headDim * (p + decode / 2));
    const decodeFrac = decodeFlops / decodeS / 1e9 / peak;
    console.error(`[bench/webgpu] decode: ${decodeTps.toFixed(1)} tokens/s (prefill ${prefillS.toFixed(2)} s)`);

    const note = `${device}; ${shape}`;
    const kernels = await kernelRows(cfg, micro, p + t, device);
    return [
      { bench: 'webgpu', metric: `fp32 matmul peak ${opts.peakMatmul ?? preset.peakMatmul}³`, value: peak, unit: 'GFLOP/s', note: device },
      {
        bench: 'webgpu',
        metric: 'training step (score + backward + AdamW)',
        value: trainTps,
        unit: 'response tokens/s',
        ratio: trainFrac,
        note: `${note}; ${stepS.toFixed(3)} s/step; ratio = model FLOP rate (3× forward over prompt+response) / matmul peak`,
      },
      ...(opsStepS === null
        ? []
        : [
            {
              bench: 'webgpu',
              metric: 'training step: webgpu kernels vs tfjs-op kernels',
              value: trainTps,
              unit: 'response tokens/s',
              baseline: (n * t) / opsStepS,
              ratio: opsStepS / stepS,
              note: `${note}; baseline = the same step with kernels/*.ts tfjs-op versions (RL_WEBGPU_FUSED=0); ratio = speed-up`,
            },
          ]),
      {
        bench: 'webgpu',
        metric: `greedy decode, batch ${n}, KV cache`,
        value: decodeTps,
        unit: 'tokens/s',
        ratio: decodeFrac,
        note: `${note}; ${decode} new tokens; prefill ${prefillS.toFixed(3)} s; ratio = model FLOP rate / matmul peak`,
      },
      ...kernels,
    ];
  } finally {
    opt.dispose();
    model.dispose();
  }
}

/** GPU name and driver version from nvidia-smi when there is one (the Vulkan adapter string may omit the driver). */
function nvidiaDriver(): string | null {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000 }).trim().split('\n')[0] ?? null;
  } catch {
    return null;
  }
}

function describeDevice(choice: BackendChoice): string {
  const d = choice.detail;
  if (choice.name !== 'webgpu') return `${choice.name} backend`;
  const smi = nvidiaDriver();
  return (
    `webgpu on ${String(d.description || d.device)} (vendor ${String(d.vendor)}, arch ${String(d.architecture)}${d.cpuFallback ? ', CPU fallback' : ''}; ${String(d.package)})` +
    (smi ? `; nvidia-smi: ${smi}` : '')
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const get = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const num = (k: string) => (get(k) !== undefined ? Number(get(k)) : undefined);
  run({
    backend: get('--backend'),
    size: get('--size') as WebgpuBenchOptions['size'],
    n: num('--n'),
    t: num('--t'),
    promptLength: num('--prompt'),
    decodeTokens: num('--decode'),
    microBatch: num('--micro-batch'),
    steps: num('--steps'),
    peakMatmul: num('--peak-matmul'),
    skipAb: args.includes('--no-ab'),
  })
    .then((rows) => {
      for (const r of rows) console.log(JSON.stringify(r));
      const json = get('--json');
      if (json) writeFileSync(json, JSON.stringify(rows, null, 2));
      process.exit(0);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
