import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { backendsUnderTest } from '../backends.js';
import { makeConfig } from '../../src/model/config.js';
import { loadPretrained, savePretrained } from '../../src/model/hf.js';
import { createTransformer } from '../../src/model/init.js';
import { readCheckpointTensors } from '../../src/model/safetensors.js';
import { writeTinyQwen2Checkpoint } from '../../src/model/tiny_checkpoint.js';
import { expectedHfShapes, type Transformer } from '../../src/model/transformer.js';
import type { ModelConfig } from '../../src/model/config.js';
import { definedOps, referenceImpl, registerBackendImpl, unregisterBackendImpl } from '../../kernels/index.js';
import { logSoftmax64, referenceLogits, type F64Weights } from './reference_f64.js';

const BASE_BACKEND = process.env.RL_TEST_BACKEND ?? 'wasm';
let tmp: string;

function f64Weights(dir: string, cfg: ModelConfig): F64Weights {
  const m: F64Weights = new Map();
  for (const [n, t] of readCheckpointTensors(dir, expectedHfShapes(cfg).keys())) m.set(n, { shape: t.shape, data: Float64Array.from(t.data) });
  return m;
}

/** Rows of [prompt, response]: left-padded prompts of width P, right-padded responses of width T. */
function batch(rows: { prompt: number[]; response: number[] }[], P: number, T: number) {
  const ids: number[][] = [];
  const mask: number[][] = [];
  for (const r of rows) {
    const padL = P - r.prompt.length;
    const padR = T - r.response.length;
    ids.push([...new Array(padL).fill(0), ...r.prompt, ...r.response, ...new Array(padR).fill(0)]);
    mask.push([...new Array(padL).fill(0), ...r.prompt.map(() => 1), ...r.response.map(() => 1), ...new Array(padR).fill(0)]);
  }
  return { ids, mask };
}

const ROWS = [
  { prompt: [5, 17, 99, 200, 3], response: [44, 45, 46, 277] },
  { prompt: [260, 12], response: [7, 8] },
  { prompt: [1, 2, 3], response: [100, 101, 102] },
];

for (const BACKEND of backendsUnderTest([BASE_BACKEND], 'transformer vs float64 reference')) describe(`transformer (${BACKEND})`, () => {
  let qwenDir: string;
  let qwen: Transformer;
  beforeAll(async () => {
    await selectBackend(BACKEND);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
    qwenDir = path.join(tmp, 'qwen');
    writeTinyQwen2Checkpoint(qwenDir, { seed: 11, hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKvHeads: 2, std: 0.15 });
    qwen = loadPretrained(qwenDir);
  });
  afterAll(() => {
    qwen?.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('forward logits match an independent float64 implementation (Qwen2, left padding, GQA, qkv bias)', () => {
    const cfg = qwen.config;
    const w = f64Weights(qwenDir, cfg);
    const { ids, mask } = batch(ROWS, 5, 4);
    const logits = qwen.forwardLogits(tf.tensor2d(ids, undefined, 'int32'), tf.tensor2d(mask));
    const got = logits.arraySync();
    logits.dispose();
    let maxErr = 0;
    let maxMag = 0;
    ids.forEach((row, b) => {
      const ref = referenceLogits(cfg, w, row, mask[b]!);
      row.forEach((_, i) => {
        if (!mask[b]![i]) return;
        ref[i]!.forEach((v, j) => {
          maxErr = Math.max(maxErr, Math.abs(v - got[b]![i]![j]!));
          maxMag = Math.max(maxMag, Math.abs(v));
        });
      });
    });
    expect(maxMag).toBeGreaterThan(0.5); // the check is not vacuous
    expect(maxErr).toBeLessThan(1e-4);
  });

  it('scoreResponses equals the float64 log-softmax at the response positions (with temperature and entropy)', () => {
    const cfg = qwen.config;
    const w = f64Weights(qwenDir, cfg);
    const P = 5;
    const T = 4;
    const { ids, mask } = batch(ROWS, P, T);
    for (const temperature of [1, 0.7]) {
      const r = qwen.scoreResponses({
        ids: tf.tensor2d(ids, undefined, 'int32'),
        attentionMask: tf.tensor2d(mask),
        responseLength: T,
        temperature,
        withEntropy: true,
      });
      const lp = r.logProbs.arraySync();
      const ent = r.entropy!.arraySync();
      tf.dispose([r.logProbs, r.entropy!]);
      ids.forEach((row, b) => {
        const ref = referenceLogits(cfg, w, row, mask[b]!);
        for (let t = 0; t < T; t++) {
          const col = P + t;
          if (!mask[b]![col]) {
            expect(Math.abs(lp[b]![t]!)).toBe(0);
            expect(Math.abs(ent[b]![t]!)).toBe(0);
            continue;
          }
          const lsm = logSoftmax64(ref[col - 1]!.map((z) => z / temperature));
          expect(Math.abs(lp[b]![t]! - lsm[row[col]!]!)).toBeLessThan(1e-4);
          const h = -lsm.reduce((a, l) => a + Math.exp(l) * l, 0);
          expect(Math.abs(ent[b]![t]! - h)).toBeLessThan(1e-4);
        }
      });
    }
  });

  it('scoreResponses equals log_softmax(forwardLogits) gathered at the next tokens', () => {
    const P = 5;
    const T = 4;
    const { ids, mask } = batch(ROWS, P, T);
    const idsT = tf.tensor2d(ids, undefined, 'int32');
    const maskT = tf.tensor2d(mask);
    const lsm = tf.logSoftmax(qwen.forwardLogits(idsT, maskT)).arraySync() as number[][][];
    const lp = qwen.scoreResponses({ ids: idsT, attentionMask: maskT, responseLength: T }).logProbs.arraySync();
    ids.forEach((row, b) => {
      for (let t = 0; t < T; t++) {
        if (!mask[b]![P + t]) continue;
        expect(Math.abs(lp[b]![t]! - lsm[b]![P + t - 1]![row[P + t]!]!)).toBeLessThan(1e-5);
      }
    });
  });

  it('Llama (untied, no bias) saved by savePretrained matches the float64 implementation', async () => {
    const cfg = makeConfig({ architecture: 'LlamaForCausalLM', hiddenSize: 24, intermediateSize: 40, numLayers: 2, numHeads: 3, numKvHeads: 1, vocabSize: 50, tieWordEmbeddings: false, ropeTheta: 500000 });
    const m = createTransformer(cfg, { seed: 4, std: 0.2 });
    const dir = path.join(tmp, 'llama');
    await savePretrained(m, dir);
    m.dispose();
    const loaded = loadPretrained(dir);
    expect(loaded.config.architecture).toBe('LlamaForCausalLM');
    expect(loaded.namedWeights().has('lm_head.weight')).toBe(true);
    const w = f64Weights(dir, loaded.config);
    const ids = [[0, 0, 3, 9, 27, 41], [1, 2, 3, 4, 5, 6]];
    const mask = [[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]];
    const got = loaded.forwardLogits(tf.tensor2d(ids, undefined, 'int32'), tf.tensor2d(mask)).arraySync();
    let maxErr = 0;
    ids.forEach((row, b) => {
      const ref = referenceLogits(loaded.config, w, row, mask[b]!);
      row.forEach((_, i) => {
        if (mask[b]![i]) ref[i]!.forEach((v, j) => (maxErr = Math.max(maxErr, Math.abs(v - got[b]![i]![j]!))));
      });
    });
    expect(maxErr).toBeLessThan(1e-4);
    loaded.dispose();
  });

  it('round-trips through savePretrained/loadPretrained bit-exactly (single file and sharded), copying tokenizer files', async () => {
    const orig = readCheckpointTensors(qwenDir, expectedHfShapes(qwen.config).keys());
    for (const maxShardBytes of [undefined, 40_000]) {
      const out = path.join(tmp, `saved-${maxShardBytes ?? 'single'}`);
      await savePretrained(qwen, out, { tokenizerDir: qwenDir, maxShardBytes });
      expect(fs.existsSync(path.join(out, 'tokenizer.json'))).toBe(true);
      expect(fs.existsSync(path.join(out, 'tokenizer_config.json'))).toBe(true);
      expect(fs.existsSync(path.join(out, 'model.safetensors.index.json'))).toBe(maxShardBytes !== undefined);
      const back = readCheckpointTensors(out, orig.keys());
      for (const [name, t] of orig) {
        expect(back.get(name)!.shape).toEqual(t.shape);
        expect(Buffer.from(back.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true);
      }
      const again = loadPretrained(out);
      for (const [name, v] of qwen.namedWeights()) {
        expect(Buffer.from((again.namedWeights().get(name)!.dataSync() as Float32Array).buffer).equals(Buffer.from((v.dataSync() as Float32Array).buffer))).toBe(true);
      }
      again.dispose();
    }
    // Saving over an existing directory replaces it and leaves no temp directories behind.
    await savePretrained(qwen, path.join(tmp, 'saved-single'));
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('loads BF16 and F16 checkpoints (converted to float32) with logits close to the F32 ones', () => {
    const base = { seed: 11, hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKvHeads: 2, std: 0.15 };
    const ids = tf.tensor2d([[5, 17, 99, 200, 3]], undefined, 'int32');
    const mask = tf.ones([1, 5]) as tf.Tensor2D;
    const ref = qwen.forwardLogits(ids, mask);
    for (const dtype of ['BF16', 'F16'] as const) {
      const dir = path.join(tmp, dtype);
      writeTinyQwen2Checkpoint(dir, { ...base, dtype });
      const m = loadPretrained(dir);
      const l = m.forwardLogits(ids, mask);
      const err = tf.max(tf.abs(tf.sub(l, ref))).dataSync()[0]!;
      expect(err).toBeGreaterThan(0); // really a lower-precision copy
      expect(err).toBeLessThan(dtype === 'BF16' ? 0.1 : 0.01);
      m.dispose();
    }
  });

  it('gradients of the fused model equal those of the same model built from reference ops (cpu)', async () => {
    await selectBackend('cpu');
    try {
      const cfg = makeConfig({ hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4, numKvHeads: 2, vocabSize: 30, tieWordEmbeddings: true });
      const m = createTransformer(cfg, { seed: 9, std: 0.3 });
      const { ids, mask } = batch([{ prompt: [1, 2, 3], response: [4, 5] }, { prompt: [6], response: [7, 8] }], 3, 2);
      const loss = () =>
        tf.tidy(() => {
          const r = m.scoreResponses({ ids: tf.tensor2d(ids, undefined, 'int32'), attentionMask: tf.tensor2d(mask), responseLength: 2, withEntropy: true });
          return tf.add(tf.sum(tf.mul(r.logProbs, tf.tensor2d([[0.3, -1.2], [0.7, 2]]))), tf.sum(tf.mul(r.entropy!, 0.5))) as tf.Scalar;
        });
      const fused = tf.variableGrads(loss, m.trainableVariables);
      for (const op of definedOps()) registerBackendImpl(op, 'cpu', referenceImpl(op));
      let refGrads: ReturnType<typeof tf.variableGrads>;
      try {
        refGrads = tf.variableGrads(loss, m.trainableVariables);
      } finally {
        for (const op of definedOps()) unregisterBackendImpl(op, 'cpu');
      }
      expect(Math.abs(fused.value.dataSync()[0]! - refGrads.value.dataSync()[0]!)).toBeLessThan(1e-5);
      expect(Object.keys(fused.grads).length).toBe(m.trainableVariables.length);
      for (const [name, g] of Object.entries(fused.grads)) {
        const r = refGrads.grads[name]!;
        const scale = Math.max(1e-3, tf.max(tf.abs(r)).dataSync()[0]!);
        const err = tf.max(tf.abs(tf.sub(g, r))).dataSync()[0]!;
        expect(err / scale, name).toBeLessThan(1e-3);
      }
      m.dispose();
    } finally {
      await selectBackend(BACKEND);
    }
  });

  it('backward runs on this backend without leaking tensors', () => {
    const { ids, mask } = batch(ROWS, 5, 4);
    const idsT = tf.tensor2d(ids, undefined, 'int32');
    const maskT = tf.tensor2d(mask);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () => tf.mean(qwen.scoreResponses({ ids: idsT, attentionMask: maskT, responseLength: 4 }).logProbs) as tf.Scalar,
      qwen.trainableVariables,
    );
    const absSum = (g: tf.Tensor) => tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!);
    for (const g of Object.values(grads)) expect(Number.isFinite(absSum(g))).toBe(true);
    expect(absSum(grads[qwen.trainableVariables[0]!.name]!)).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad inputs with clear errors', () => {
    const ids = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
    expect(() => qwen.forwardLogits(ids, tf.ones([1, 2]) as tf.Tensor2D)).toThrow(/attentionMask shape \[1,2\] does not match ids shape \[1,3\]/);
    expect(() => qwen.forwardLogits(tf.tensor2d([[1, 999]], undefined, 'int32'), tf.ones([1, 2]) as tf.Tensor2D)).toThrow(/token id 999 .*outside the vocabulary/);
    expect(() => qwen.scoreResponses({ ids, attentionMask: tf.ones([1, 3]) as tf.Tensor2D, responseLength: 3 })).toThrow(/responseLength 3/);
  });
});
