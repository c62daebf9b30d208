// The transformer on webgpu vs cpu with identical weights: forward logits, the gradients of a training-step
// loss (log-probs + entropy through the fused ops), an AdamW update, and greedy (temperature 0) sampling.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { definedOps, referenceImpl, registerBackendImpl, unregisterBackendImpl } from '../../kernels/index.js';
import { makeConfig } from '../../src/model/config.js';
import { randomInternalWeights } from '../../src/model/init.js';
import { Transformer } from '../../src/model/transformer.js';
import { sample } from '../../src/rollout/sample.js';
import { AdamW, trainableByName } from '../../src/trainer/optimizer.js';
import { closeness, haveWebgpu, useBackend } from './harness.js';

const ok = await haveWebgpu();

const config = makeConfig({ hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, vocabSize: 61 });

/** Weights as plain arrays (made once on cpu), so each backend builds its own identical model. */
async function weightArrays(): Promise<Map<string, { data: Float32Array; shape: number[] }>> {
  await useBackend('cpu');
  const w = randomInternalWeights(config, 7, 0.3);
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const [k, t] of w) out.set(k, { data: (await t.data()) as Float32Array, shape: t.shape });
  tf.dispose([...w.values()]);
  return out;
}

async function buildOn(backend: string, arrays: Map<string, { data: Float32Array; shape: number[] }>): Promise<Transformer> {
  await useBackend(backend);
  const w = new Map<string, tf.Tensor>();
  for (const [k, { data, shape }] of arrays) w.set(k, tf.tensor(data, shape));
  try {
    return new Transformer(config, w, { logProbChunkSize: 4 });
  } finally {
    tf.dispose([...w.values()]);
  }
}

// Two rows: the first left-padded by 2; responses are the last 4 columns (second row's last one is padding).
const ids = [
  [0, 0, 5, 9, 17, 3, 44, 8, 2, 30],
  [11, 4, 60, 23, 7, 19, 1, 50, 33, 0],
];
const mask = [
  [0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 1, 1, 1, 1, 0],
];
const T = 4;

interface StepResult {
  logits: Float32Array;
  logProbs: Float32Array;
  entropy: Float32Array;
  grads: Map<string, Float32Array>;
}

/**
 * Two AdamW steps on the model's variables with the SAME given gradients on every backend (Adam's first step
 * is ≈ lr·sign(g), so feeding each backend its own near-zero gradients would compare rounding noise).
 */
async function adamwSteps(model: Transformer, grads: Map<string, Float32Array>): Promise<Map<string, Float32Array>> {
  const vars = trainableByName(model);
  const opt = new AdamW(vars, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
  for (let i = 0; i < 2; i++) {
    const g = [...vars].map(([name, v]) => tf.tensor(grads.get(name)!, v.shape));
    opt.step(g, 1e-3);
    tf.dispose(g);
  }
  opt.dispose();
  const out = new Map<string, Float32Array>();
  for (const [name, v] of vars) out.set(name, (await v.data()) as Float32Array);
  return out;
}

async function trainingStep(model: Transformer): Promise<StepResult> {
  const idsT = tf.tensor2d(ids, undefined, 'int32');
  const maskT = tf.tensor2d(mask);
  const logitsT = model.forwardLogits(idsT, maskT);
  const score = () => model.scoreResponses({ ids: idsT, attentionMask: maskT, responseLength: T, withEntropy: true, temperature: 0.9 });
  const s = score();
  // A PPO-like scalar: −mean(logp·adv) − 0.01·mean(entropy), with fixed per-token advantages.
  const adv = tf.tensor2d([[1, -0.5, 0.25, 2], [-1, 0.5, 1.5, 0]]);
  const { grads, value } = tf.variableGrads(() =>
    tf.tidy(() => {
      const r = score();
      return tf.sub(tf.neg(tf.mean(tf.mul(r.logProbs, adv))), tf.mul(0.01, tf.mean(r.entropy!))) as tf.Scalar;
    }),
  );
  const gradArrays = new Map<string, Float32Array>();
  for (const [name, v] of trainableByName(model)) gradArrays.set(name, (await grads[v.name]!.data()) as Float32Array);
  const result: StepResult = {
    logits: (await logitsT.data()) as Float32Array,
    logProbs: (await s.logProbs.data()) as Float32Array,
    entropy: (await s.entropy!.data()) as Float32Array,
    grads: gradArrays,
  };
  tf.dispose([idsT, maskT, logitsT, s.logProbs, s.entropy!, adv, value, ...Object.values(grads)]);
  return result;
}

async function greedy(model: Transformer): Promise<number[][]> {
  const r = await sample(model, [[5, 9, 17], [11, 4, 60, 23, 7]], { maxNewTokens: 6, temperature: 0, topP: 1, topK: 0, stopTokenIds: [], seed: 1 });
  return r.tokens;
}

function expectClose(name: string, got: Float32Array, want: Float32Array, atol = 1e-4, rtol = 1e-3): void {
  const c = closeness(got, want, atol, rtol);
  expect(c.ok, `${name}: ${c.worst}`).toBe(true);
}

/**
 * The cpu side is the ground truth: run it on the ops' reference implementations (plain tfjs ops), except
 * attention, whose reference (rank-5 tile) has no gradient in tfjs; its fused cpu version is the reference there.
 */
function useReferenceOnCpu(): () => void {
  const ops = definedOps().filter((op) => op !== 'attention');
  for (const op of ops) registerBackendImpl(op, 'cpu', referenceImpl(op));
  return () => ops.forEach((op) => unregisterBackendImpl(op, 'cpu'));
}

describe.skipIf(!ok)('transformer on webgpu agrees with cpu', () => {
  it('forward logits, log-probs/entropy, training-step gradients, AdamW update, greedy sampling', async () => {
    const arrays = await weightArrays();
    const restore = useReferenceOnCpu();
    const cpuModel = await buildOn('cpu', arrays);
    // Greedy first on each (before the AdamW step changes the weights).
    const cpuGreedy = await greedy(cpuModel);
    const cpu = await trainingStep(cpuModel);
    const cpuUpdated = await adamwSteps(cpuModel, cpu.grads);
    cpuModel.dispose();
    restore();

    const gpuModel = await buildOn('webgpu', arrays);
    const before = tf.memory().numTensors;
    const gpuGreedy = await greedy(gpuModel);
    expect(tf.memory().numTensors).toBe(before); // sampling leaks nothing
    const gpu = await trainingStep(gpuModel);
    const gpuUpdated = await adamwSteps(gpuModel, cpu.grads);
    gpuModel.dispose();

    expectClose('forward logits', gpu.logits, cpu.logits);
    expectClose('log-probs', gpu.logProbs, cpu.logProbs);
    expectClose('entropy', gpu.entropy, cpu.entropy);
    expect([...gpu.grads.keys()].sort()).toEqual([...cpu.grads.keys()].sort());
    expect(gpu.grads.size).toBe(arrays.size);
    for (const [n, g] of cpu.grads) expectClose(`grad ${n}`, gpu.grads.get(n)!, g, 1e-5, 2e-3);
    for (const [n, w] of cpuUpdated) expectClose(`AdamW-updated ${n}`, gpuUpdated.get(n)!, w, 1e-6, 1e-5);
    console.log(`[webgpu] greedy tokens: ${JSON.stringify(gpuGreedy)}`);
    expect(gpuGreedy).toEqual(cpuGreedy);
    expect(cpuGreedy.every((r) => r.length === 6)).toBe(true);
  }, 120_000);
});
