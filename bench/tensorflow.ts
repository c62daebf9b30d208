// rl on the tensorflow backend against PyTorch CPU (transformers) on the same model shape, interleaved in one run
// (rl steps, then PyTorch steps, round after round, so a load change on this shared machine hits both sides):
//  - training step, B=8 × T=512: forward + backward + AdamW of the mean next-token log-prob; tokens/s, medians;
//  - greedy decode, 16 rows × 64 new tokens (prompt 16) with the KV cache: rl's sampler vs transformers' generate.
// The model is bench/model.ts's ~11M-parameter Qwen2 shape (GQA, q/k/v bias, tied embeddings), random weights.
// Needs `rl setup tensorflow`; the PyTorch side needs the peers venv (RL_PEERS_PYTHON or .venv-peers) and is
// skipped with a row saying so when absent. Ratios are rl ÷ PyTorch (higher is better for rl). Goals (issue 16):
// train ≥ 1.2×, decode ≥ 1.0×. Each round also times rl's training step with kernels/tensorflow unregistered
// (the wasm-motivated default kernels and tfjs-node's own Reshape/Slice/BatchMatMul/…, what RL_TF_FUSED=0
// runs): their side-by-side speed-up is its own row. (Decode's is bench/tf_kernels.ts: paired short rounds.)
// Script: node dist/bench/tensorflow.js [--quick]
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { registerBackendImpl, unregisterBackendImpl } from '../kernels/index.js';
import { installKernelReplacements, restoreKernelReplacements, TENSORFLOW_IMPLS } from '../kernels/tensorflow/index.js';
import { selectBackend } from '../src/backend/select.js';
import { rlRoot } from '../src/backend/tensorflow_paths.js';
import { createTransformer } from '../src/model/init.js';
import { sample } from '../src/rollout/sample.js';
import { AdamW, trainableByName } from '../src/trainer/optimizer.js';
import { trainBenchConfig } from './model.js';
import type { BenchRow } from './types.js';

const BENCH = 'tensorflow';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The persistent PyTorch process: one command line in, one JSON line out. */
class TorchPeer {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }
  static async start(python: string, cfg: object): Promise<{ peer: TorchPeer; info: { threads: number; torch: string; params: number } }> {
    const child = spawn(python, [path.join(rlRoot(), 'bench', 'torch_peer.py'), JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const peer = new TorchPeer(child);
    const info = (await peer.read()) as { threads: number; torch: string; params: number };
    return { peer, info };
  }
  private async read(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error('the PyTorch peer exited');
    return JSON.parse(r.value) as Record<string, unknown>;
  }
  async ask<T>(cmd: string): Promise<T> {
    this.child.stdin.write(cmd + '\n');
    return (await this.read()) as T;
  }
  close(): void {
    this.child.stdin.end();
  }
}

function peersPython(): { python: string } | { why: string } {
  const py = process.env.RL_PEERS_PYTHON ?? path.join(rlRoot(), '.venv-peers', 'bin', 'python');
  if (!existsSync(py)) return { why: `${py} not found (bash .ci/python.sh)` };
  const r = spawnSync(py, ['-c', 'import torch, transformers'], { encoding: 'utf8' });
  return r.status === 0 ? { python: py } : { why: `${py} cannot import torch/transformers` };
}

export async function run(opts: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const quick = opts.quick ?? false;
  const choice = await selectBackend('tensorflow');
  const load0 = loadavg()[0]!;
  const cfg = trainBenchConfig();
  const B = quick ? 2 : 8, T = 512, rounds = quick ? 1 : 3, reps = 2;
  const rows = quick ? 4 : 16, P = 16, NEW = quick ? 16 : 64;

  const model = createTransformer(cfg, { seed: 1, std: 0.05 });
  const params = model.parameterCount();
  const optimizer = new AdamW(trainableByName(model), { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  const ids = tf.randomUniform([B, T], 0, cfg.vocabSize, 'int32', 5) as tf.Tensor2D;
  const mask = tf.ones([B, T]) as tf.Tensor2D;
  const rlStep = () => {
    const t = performance.now();
    const { value, grads } = tf.variableGrads(
      () => tf.neg(tf.mean(model.scoreResponses({ ids, attentionMask: mask, responseLength: T - 1 }).logProbs)) as tf.Scalar,
      model.trainableVariables,
    );
    optimizer.step(model.trainableVariables.map((v) => grads[v.name]!), 1e-4);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
    return (performance.now() - t) / 1000;
  };
  const prompts = Array.from({ length: rows }, (_, r) => Array.from({ length: P }, (_, i) => (i * 37 + 11 + r) % cfg.vocabSize));
  const greedy = { temperature: 0, topP: 1, topK: 0, stopTokenIds: [], seed: 0, maxNewTokens: NEW };
  const rlDecode = async () => {
    const t = performance.now();
    const out = await sample(model, prompts, greedy);
    const s = (performance.now() - t) / 1000;
    return { s, tokens: out.tokens.reduce((a, x) => a + x.length, 0) };
  };

  const py = peersPython();
  const started = 'python' in py ? await TorchPeer.start(py.python, {
    vocab: cfg.vocabSize, hidden: cfg.hiddenSize, inter: cfg.intermediateSize, layers: cfg.numLayers, heads: cfg.numHeads, kv: cfg.numKvHeads,
  }) : null;
  const rlTrain: number[] = [], rlTrainDefault: number[] = [], ptTrain: number[] = [], rlDec: number[] = [], ptDec: number[] = [];
  const withDefaultKernels = async <R>(f: () => R | Promise<R>): Promise<R> => {
    const ops = Object.keys(TENSORFLOW_IMPLS);
    for (const op of ops) unregisterBackendImpl(op, 'tensorflow');
    restoreKernelReplacements();
    try {
      return await f();
    } finally {
      for (const op of ops) registerBackendImpl(op, 'tensorflow', TENSORFLOW_IMPLS[op]!);
      installKernelReplacements();
    }
  };
  let rlDecTokens = 0, ptDecTokens = 0;
  try {
    rlStep(); // warm-up: kernels, optimizer slots
    await sample(model, prompts.slice(0, 2), { ...greedy, maxNewTokens: 4 });
    if (started) await started.peer.ask('warm');
    for (let r = 0; r < rounds; r++) {
      console.error(`[bench tensorflow] round ${r + 1}/${rounds}: rl train`);
      for (let i = 0; i < reps; i++) rlTrain.push(rlStep());
      await withDefaultKernels(rlStep); // warm-up of the other kernels' shapes
      for (let i = 0; i < reps; i++) rlTrainDefault.push(await withDefaultKernels(rlStep));
      console.error(`[bench tensorflow] round ${r + 1}/${rounds}: PyTorch train, then decode`);
      if (started) ptTrain.push(...(await started.peer.ask<{ seconds: number[] }>(`train ${B} ${T} ${reps}`)).seconds);
      const d = await rlDecode();
      rlDec.push(d.s);
      rlDecTokens = d.tokens;
      if (started) {
        const p = await started.peer.ask<{ seconds: number; tokens: number }>(`decode ${rows} ${P} ${NEW}`);
        ptDec.push(p.seconds);
        ptDecTokens = p.tokens;
      }
    }
  } finally {
    started?.peer.close();
    model.dispose();
    tf.dispose([ids, mask]);
  }
  const load1 = loadavg()[0]!;
  const shape = `${(params / 1e6).toFixed(1)}M params; ${choice.reason}; load average ${load0.toFixed(2)} → ${load1.toFixed(2)}` +
    (started ? `; torch ${started.info.torch}, ${started.info.threads} threads` : '');
  const trainTok = (B * T) / median(rlTrain);
  const out: BenchRow[] = [];
  const defaultTok = (B * T) / median(rlTrainDefault);
  out.push({ bench: BENCH, metric: `train step B=${B} T=${T}: kernels/tensorflow vs the default kernels, both rl on tensorflow`, value: trainTok, unit: 'tokens/s',
    baseline: defaultTok, ratio: trainTok / defaultTok, note: `${shape}; medians of ${rlTrain.length} vs ${rlTrainDefault.length} steps, interleaved; ratio = speed-up` });
  if (started) {
    const ptTok = (B * T) / median(ptTrain);
    const ptDecTps = ptDecTokens / median(ptDec);
    out.push({ bench: BENCH, metric: `train step B=${B} T=${T} fwd+bwd+AdamW: rl tensorflow vs PyTorch`, value: trainTok, unit: 'tokens/s',
      baseline: ptTok, ratio: trainTok / ptTok, note: `${shape}; medians of ${rlTrain.length} vs ${ptTrain.length} steps; goal ratio ≥ 1.2` });
    const rlTps = rlDecTokens / median(rlDec);
    out.push({ bench: BENCH, metric: `greedy decode ${rows}×${NEW} (prompt ${P}) with KV cache: rl vs transformers generate`, value: rlTps,
      unit: 'tokens/s', baseline: ptDecTps, ratio: rlTps / ptDecTps, note: `${shape}; medians of ${rlDec.length} runs each; goal ratio ≥ 1.0` });
  } else {
    out.push({ bench: BENCH, metric: `train step B=${B} T=${T} fwd+bwd+AdamW: rl tensorflow`, value: trainTok, unit: 'tokens/s',
      note: `${shape}; PyTorch side skipped: ${(py as { why: string }).why}` });
    out.push({ bench: BENCH, metric: `greedy decode ${rows}×${NEW} with KV cache: rl tensorflow`, value: rlDecTokens / median(rlDec), unit: 'tokens/s',
      note: `${shape}; transformers side skipped: ${(py as { why: string }).why}` });
  }
  return out;
}

async function main(): Promise<void> {
  const rows = await run({ quick: process.argv.includes('--quick') });
  for (const r of rows) {
    const extra = r.ratio !== undefined ? `  (baseline ${r.baseline?.toFixed(1)}, ratio ${r.ratio.toFixed(3)})` : '';
    console.log(`${r.metric}: ${r.value.toFixed(1)} ${r.unit}${extra}  — ${r.note}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
  });
}
