import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { makeConfig } from '../../src/model/config.js';
import { createTransformer } from '../../src/model/init.js';

const BACKEND = process.env.RL_TEST_BACKEND ?? 'wasm';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe(`KV-cache decoding (${BACKEND})`, () => {
  beforeAll(async () => {
    await selectBackend(BACKEND);
  });

  for (const tied of [false, true]) {
    it(`decodeStep logits equal full-forward logits, left-padded rows, GQA, tied=${tied}`, () => {
      const cfg = makeConfig({ hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKvHeads: 2, vocabSize: 40, tieWordEmbeddings: tied });
      const before = tf.memory().numTensors;
      const model = createTransformer(cfg, { seed: 3, std: 0.2 });
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
});
