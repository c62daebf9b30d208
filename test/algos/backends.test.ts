// The same parity checks on the fast CPU backends: wasm (different kernels; it lacks UnsortedSegmentSum, so
// group statistics must go through matmuls) and tensorflow (TensorFlow's own kernels) once it is set up.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { backendsUnderTest } from '../backends.js';
import { computePolicyLoss, computePolicyLossTensors, entropyFromLogits, KL_KINDS, klPenalty, LOSS_AGG_MODES } from '../../src/algos/index.js';
import { randomBatch, rng } from './batch.js';
import { goldenEntropy, goldenKl, goldenPolicyLoss } from './golden.js';
import { checkParity } from './parity.js';

for (const backend of backendsUnderTest(['wasm'], 'algorithm parity')) describe(`on ${backend}`, () => {
  beforeAll(async () => {
    const choice = await selectBackend(backend);
    expect(tf.getBackend()).toBe(backend);
    expect(choice.name).toBe(backend);
  });

  for (const name of ['grpo', 'rloo', 'reinforce_plus_plus_baseline', 'grpo_passk', 'reinforce_plus_plus']) {
    it(`${name} matches the verl definition (B=256, T=512 and a 700-token batch)`, () => {
      const group: [number, number] = name === 'grpo_passk' ? [2, 32] : [1, 32];
      checkParity(name, randomBatch(501, { B: 256, T: 512, group, scores: 'unit', emptyRows: 0.05 }));
      checkParity(name, randomBatch(502, { B: 40, T: 700, group, scores: 'binary', stringIndex: true }));
    });
  }
  it('reinforce_plus_plus with gamma and masks with holes', () => {
    checkParity('reinforce_plus_plus', randomBatch(503, { B: 32, T: 700, group: [1, 1], scores: 'unit', dense: true }), { gamma: 0.95 });
    checkParity('reinforce_plus_plus', randomBatch(504, { B: 32, T: 130, group: [1, 1], scores: 'unit', dense: true, masks: 'holes' }), { gamma: 0.9 });
  });
  it('policy loss in every aggregation mode, with its gradient', () => {
    const r = rng(505);
    const B = 64, T = 48;
    const mk = (f: (i: number, t: number) => number) => Array.from({ length: B }, (_, i) => Array.from({ length: T }, (_, t) => f(i, t)));
    const old = mk(() => -r() * 4);
    const logp = old.map((row) => row.map((o) => o + (r() - 0.5) * 2));
    const rowAdv = Array.from({ length: B }, () => (r() - 0.5) * 4);
    const adv = mk((i) => rowAdv[i]!);
    const lens = Array.from({ length: B }, (_, i) => (i % 9 === 0 ? 0 : 1 + Math.floor(r() * T)));
    const mask = mk((i, t) => (t < lens[i]! ? 1 : 0));
    const args = { oldLogProb: tf.tensor2d(old), logProb: tf.tensor2d(logp), advantages: tf.tensor2d(adv), responseMask: tf.tensor2d(mask) };
    for (const mode of LOSS_AGG_MODES) {
      const want = goldenPolicyLoss(old, logp, adv, mask, { lo: 0.2, hi: 0.28, c: 3, mode });
      const { loss, metrics } = computePolicyLoss({ ...args, clipRatioLow: 0.2, clipRatioHigh: 0.28, lossAggMode: mode });
      expect(Math.abs(loss.dataSync()[0]! - want.loss)).toBeLessThan(1e-5);
      expect(Math.abs(metrics.pg_clipfrac - want.pg_clipfrac)).toBeLessThan(1e-5);
      expect(Math.abs(metrics.pg_clipfrac_lower - want.pg_clipfrac_lower)).toBeLessThan(1e-5);
      expect(Math.abs(metrics.ppo_kl - want.ppo_kl)).toBeLessThan(1e-5);
      loss.dispose();
    }
    const g = tf.grad((lp: tf.Tensor) => computePolicyLossTensors({ ...args, logProb: lp as tf.Tensor2D }).loss)(args.logProb);
    expect(g.dataSync().every(Number.isFinite)).toBe(true);
    expect(tf.sum(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([g, ...Object.values(args)]);
  });
  it('every KL estimator: value and gradient', () => {
    const r = rng(506);
    const lp = Array.from({ length: 200 }, () => -r() * 6);
    const ref = lp.map((v, i) => v - (i % 4 === 0 ? 25 * (r() - 0.5) * 2 : (r() - 0.5) * 3));
    const [x, y] = [tf.tensor1d(lp), tf.tensor1d(ref)];
    for (const kind of KL_KINDS) {
      const v = klPenalty(x, y, kind);
      const gx = tf.grad((a: tf.Tensor) => tf.sum(klPenalty(a, y, kind)))(x);
      const vv = v.dataSync(), gg = gx.dataSync();
      lp.forEach((l, i) => {
        const want = goldenKl(l, ref[i]!, kind);
        expect(Math.abs(vv[i]! - want.value)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want.value)));
        expect(Math.abs(gg[i]! - want.grad)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want.grad)));
      });
      tf.dispose([v, gx]);
    }
    tf.dispose([x, y]);
  });
  it('entropy from logits', () => {
    const r = rng(507);
    const rows = Array.from({ length: 8 }, () => Array.from({ length: 300 }, () => (r() - 0.5) * 30));
    const h = entropyFromLogits(tf.tensor2d(rows)).dataSync();
    rows.forEach((row, i) => expect(Math.abs(h[i]! - goldenEntropy(row))).toBeLessThan(1e-4));
  });
});
