import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { backendsUnderTest } from '../backends.js';
import { makeConfig } from '../../src/model/config.js';
import { createTransformer } from '../../src/model/init.js';
import { TransformerKVCache } from '../../src/model/transformer.js';

const BASE_BACKEND = process.env.RL_TEST_BACKEND ?? 'wasm';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const BACKEND of backendsUnderTest([BASE_BACKEND], 'KV-cache decoding')) describe(`KV-cache decoding (${BACKEND})`, () => {
  beforeAll(async () => {
    await selectBackend(BACKEND);
  });

  // Chunk size 2: the prompt is one chunk, then decoded positions fill chunks of 2 (appends and new chunks).
  for (const [tied, kvCacheChunk] of [[false, undefined], [true, undefined], [false, 2]] as const) {
    it(`decodeStep logits equal full-forward logits, left-padded rows, GQA, tied=${tied}, kv chunk ${kvCacheChunk ?? 'default'}`, () => {
      const cfg = makeConfig({ hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKvHeads: 2, vocabSize: 40, tieWordEmbeddings: tied });
      const before = tf.memory().numTensors;
      const model = createTransformer(cfg, { seed: 3, std: 0.2, kvCacheChunk });
      // Two prompts of lengths 5 and 3 (left-padded), then 4 decoded tokens each.
      const prompts = [[1, 2, 3, 4, 5], [7, 8, 9]];
      const newTokens = [[10, 11, 12, 13], [20, 21, 22, 23]];
      const P = 5;
      const ids = tf.tensor2d([[1, 2, 3, 4, 5], [0, 0, 7, 8, 9]], [2, P], 'int32');
      const mask = tf.tensor2d([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]], [2, P], 'float32');
      const { logits: first, cache } = model.prefill(ids, mask, P + 4);
      const stepLogits: Float32Array[] = [first.dataSync() as Float32Array];
      first.dispose();
      for (let s = 0; s < 3; s++) {
        const step = tf.tensor2d([newTokens[0]![s]!, newTokens[1]![s]!], [2, 1], 'int32');
        const l = model.decodeStep(step, cache);
        stepLogits.push(l.dataSync() as Float32Array);
        l.dispose();
        step.dispose();
      }
      cache.dispose();
      // Ground truth: full forward on the whole sequences.
      const full = prompts.map((p, b) => [...p, ...newTokens[b]!.slice(0, 3)]);
      const width = P + 3;
      const fIds = tf.tensor2d(full.map((r) => [...new Array(width - r.length).fill(0), ...r]), [2, width], 'int32');
      const fMask = tf.tensor2d(full.map((r) => [...new Array(width - r.length).fill(0), ...new Array(r.length).fill(1)]), [2, width], 'float32');
      const fl = model.forwardLogits(fIds, fMask);
      const V = cfg.vocabSize;
      const fd = fl.dataSync();
      for (let s = 0; s < 4; s++) {
        const col = P - 1 + s;
        for (let b = 0; b < 2; b++) {
          const want = fd.subarray((b * width + col) * V, (b * width + col + 1) * V);
          const got = stepLogits[s]!.subarray(b * V, (b + 1) * V);
          expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);
        }
      }
      tf.dispose([ids, mask, fIds, fMask, fl]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('selectRows keeps the chosen rows of a chunked cache: later steps equal the full forward of those rows', () => {
    const cfg = makeConfig({ hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKvHeads: 2, vocabSize: 40 });
    const before = tf.memory().numTensors;
    const model = createTransformer(cfg, { seed: 5, std: 0.2, kvCacheChunk: 2 });
    // Three left-padded prompts; after 3 decoded tokens keep rows 2 and 0 (reordered), then decode 3 more.
    const prompts = [[1, 2, 3, 4], [5, 6], [7, 8, 9]];
    const decoded = [[10, 11, 12, 13, 14, 15], [16, 17, 18], [19, 20, 21, 22, 23, 24]];
    const P = 4;
    const ids = tf.tensor2d(prompts.map((p) => [...new Array(P - p.length).fill(0), ...p]), [3, P], 'int32');
    const mask = tf.tensor2d(prompts.map((p) => [...new Array(P - p.length).fill(0), ...new Array(p.length).fill(1)]), [3, P], 'float32');
    const { logits: first, cache } = model.prefill(ids, mask, P + 6);
    first.dispose();
    let rows = [0, 1, 2];
    const got = new Map<number, Float32Array[]>([[0, []], [2, []]]);
    for (let s = 0; s < 6; s++) {
      if (s === 3) {
        model.selectRows(cache, [2, 0]);
        rows = [2, 0];
        expect(() => model.selectRows(cache, [2])).toThrow(/row 2 is outside \[0, 2\)/);
      }
      const step = tf.tensor2d(rows.map((r) => decoded[r]![s]!), [rows.length, 1], 'int32');
      const l = model.decodeStep(step, cache);
      const data = l.dataSync() as Float32Array;
      rows.forEach((r, j) => got.get(r)?.push(data.slice(j * cfg.vocabSize, (j + 1) * cfg.vocabSize)));
      tf.dispose([l, step]);
    }
    expect((cache as TransformerKVCache).kT[0]!.map((c) => c.shape)).toEqual([[2, 2, 8, 4], [2, 2, 8, 2], [2, 2, 8, 2], [2, 2, 8, 2]]);
    cache.dispose();
    for (const r of [0, 2]) {
      const seq = [...prompts[r]!, ...decoded[r]!];
      const fIds = tf.tensor2d([seq], [1, seq.length], 'int32');
      const fMask = tf.ones([1, seq.length]) as tf.Tensor2D;
      const fl = model.forwardLogits(fIds, fMask);
      const fd = fl.dataSync();
      for (let s = 0; s < 6; s++) {
        const col = prompts[r]!.length + s; // logits after decoded token s
        expect(maxAbsDiff(got.get(r)![s]!, fd.subarray(col * cfg.vocabSize, (col + 1) * cfg.vocabSize)), `row ${r} step ${s}`).toBeLessThan(1e-4);
      }
      tf.dispose([fl, fIds, fMask]);
    }
    tf.dispose([ids, mask]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
