import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { aggLoss, computePolicyLoss, computePolicyLossTensors, LOSS_AGG_MODES } from '../../src/algos/index.js';
import { rng } from './batch.js';
import { goldenAgg, goldenPolicyLoss, type Mat } from './golden.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** Random log-probs around an old policy, advantages of both signs, ragged masks with empty rows. */
function policyBatch(seed: number, B: number, T: number, spread = 0.5) {
  const r = rng(seed);
  const old: Mat = [], logp: Mat = [], adv: Mat = [], mask: Mat = [];
  for (let i = 0; i < B; i++) {
    const L = r() < 0.1 ? 0 : 1 + Math.floor(r() * T);
    const a = (r() - 0.5) * 4;
    old.push([]); logp.push([]); adv.push([]); mask.push([]);
    for (let t = 0; t < T; t++) {
      const o = -r() * 5;
      old[i]!.push(o);
      logp[i]!.push(o + (r() - 0.5) * 2 * spread);
      adv[i]!.push(r() < 0.1 ? a * r() : a); // mostly per-sequence, some per-token variation
      mask[i]!.push(t < L ? 1 : 0);
    }
  }
  return { old, logp, adv, mask, B, T };
}
const t2 = (m: Mat) => tf.tensor2d(m);

describe('aggLoss', () => {
  it('matches the four verl modes on random losses (fully masked rows excluded from seq means)', () => {
    const r = rng(3);
    const B = 50, T = 40;
    const loss = Array.from({ length: B }, () => Array.from({ length: T }, () => r() * 4 - 2));
    const mask = Array.from({ length: B }, (_, i) => Array.from({ length: T }, (_, t) => (i % 7 === 0 ? 0 : t < 1 + ((i * 13) % T) ? 1 : 0)));
    const [l, m] = [t2(loss), t2(mask)];
    for (const mode of LOSS_AGG_MODES) {
      const got = aggLoss(l, m, mode);
      expect(Math.abs(got.dataSync()[0]! - goldenAgg(loss, mask, mode)), mode).toBeLessThan(1e-5);
      got.dispose();
    }
    const scaled = aggLoss(l, m, 'seq-mean-token-sum-norm', { lossScaleFactor: 4096 });
    expect(scaled.dataSync()[0]!).toBeCloseTo(goldenAgg(loss, mask, 'seq-mean-token-sum-norm', 4096), 6);
    scaled.dispose();
    expect(() => aggLoss(l, m, 'seq-sum' as never)).toThrow(/unknown loss aggregation mode "seq-sum".*token-mean/);
    tf.dispose([l, m]);
  });
  it('with the whole batch\'s counts, the parts of any split of the rows sum to the whole batch\'s loss', () => {
    const r = rng(5);
    const B = 30, T = 20;
    const loss = Array.from({ length: B }, () => Array.from({ length: T }, () => r() * 4 - 2));
    const mask = Array.from({ length: B }, (_, i) => Array.from({ length: T }, (_, t) => (i % 5 === 0 ? 0 : t < 1 + ((i * 7) % T) ? 1 : 0)));
    const global = { globalTokens: mask.flat().reduce<number>((a, b) => a + b, 0), globalSeqs: mask.filter((row) => row.some((x) => x > 0)).length };
    for (const mode of LOSS_AGG_MODES) {
      const want = goldenAgg(loss, mask, mode, T);
      let sum = 0;
      for (const [a, b] of [[0, 4], [4, 5], [5, 19], [19, 30]] as const) {
        const part = aggLoss(t2(loss.slice(a, b)), t2(mask.slice(a, b)), mode, { ...global, lossScaleFactor: T });
        sum += part.dataSync()[0]!;
        part.dispose();
      }
      expect(Math.abs(sum - want), mode).toBeLessThan(1e-5);
    }
  });
  it('an all-masked batch aggregates to 0, not NaN', () => {
    const l = tf.ones([2, 3]), m = tf.zeros([2, 3]);
    for (const mode of LOSS_AGG_MODES) expect(aggLoss(l, m, mode).dataSync()[0]).toBe(0);
  });
});

describe('computePolicyLoss (vanilla PPO, dual clip)', () => {
  const settings = [
    { lo: 0.2, hi: 0.2, c: 3 },
    { lo: 0.2, hi: 0.28, c: 3 }, // clip-higher (DAPO)
    { lo: 0.1, hi: 0.3, c: 1.5 }, // tight dual clip: many tokens hit it
  ];
  for (const mode of LOSS_AGG_MODES) {
    for (const s of settings) {
      it(`${mode}, clip low ${s.lo} high ${s.hi} c ${s.c}: loss and metrics match verl`, () => {
        const b = policyBatch(17, 128, 96, 1.5);
        const want = goldenPolicyLoss(b.old, b.logp, b.adv, b.mask, { ...s, mode });
        const args = { oldLogProb: t2(b.old), logProb: t2(b.logp), advantages: t2(b.adv), responseMask: t2(b.mask) };
        const before = tf.memory().numTensors;
        const { loss, metrics } = computePolicyLoss({ ...args, clipRatioLow: s.lo, clipRatioHigh: s.hi, clipRatioC: s.c, lossAggMode: mode });
        expect(tf.memory().numTensors - before).toBe(1); // the loss only
        expect(Math.abs(loss.dataSync()[0]! - want.loss)).toBeLessThan(1e-5);
        expect(Math.abs(metrics.pg_clipfrac - want.pg_clipfrac)).toBeLessThan(1e-5);
        expect(Math.abs(metrics.ppo_kl - want.ppo_kl)).toBeLessThan(1e-5);
        expect(Math.abs(metrics.pg_clipfrac_lower - want.pg_clipfrac_lower)).toBeLessThan(1e-5);
        // the batch really exercises both clips
        expect(want.pg_clipfrac).toBeGreaterThan(0.05);
        expect(want.pg_clipfrac_lower).toBeGreaterThan(0);
        tf.dispose([loss, ...Object.values(args)]);
      });
    }
  }

  it('clipRatio sets both sides; clipRatioC must exceed 1; shapes must match', () => {
    const b = policyBatch(5, 16, 8, 1);
    const args = { oldLogProb: t2(b.old), logProb: t2(b.logp), advantages: t2(b.adv), responseMask: t2(b.mask) };
    const want = goldenPolicyLoss(b.old, b.logp, b.adv, b.mask, { lo: 0.1, hi: 0.1, c: 3, mode: 'token-mean' });
    const { loss, metrics } = computePolicyLoss({ ...args, clipRatio: 0.1 });
    expect(Math.abs(loss.dataSync()[0]! - want.loss)).toBeLessThan(1e-5);
    expect(metrics.pg_clipfrac).toBeCloseTo(want.pg_clipfrac, 6);
    expect(() => computePolicyLoss({ ...args, clipRatioC: 1 })).toThrow(/clipRatioC .* must be greater than 1/);
    const wrong = tf.zeros([16, 9]) as tf.Tensor2D;
    expect(() => computePolicyLoss({ ...args, advantages: wrong })).toThrow(/advantages has shape \[16, 9\] but logProb has shape \[16, 8\]/);
    tf.dispose([loss, wrong, ...Object.values(args)]);
  });

  it('the gradient w.r.t. logProb matches the analytic verl gradient, in every mode', () => {
    const b = policyBatch(23, 32, 24, 1.5);
    const [old, adv, mask] = [t2(b.old), t2(b.adv), t2(b.mask)];
    for (const mode of LOSS_AGG_MODES) {
      const s = { lo: 0.2, hi: 0.28, c: 2 };
      const g = tf.grad((lp: tf.Tensor) =>
        computePolicyLossTensors({ oldLogProb: old, logProb: lp as tf.Tensor2D, advantages: adv, responseMask: mask, clipRatioLow: s.lo, clipRatioHigh: s.hi, clipRatioC: s.c, lossAggMode: mode }).loss,
      )(t2(b.logp));
      const got = g.arraySync() as Mat;
      // d loss / d logp[i][t] = w[i][t] · d l_it / d logp, with w the aggregation weight.
      const T = b.T;
      const cnt = b.mask.map((r) => r.reduce((a, v) => a + v, 0));
      const nTok = cnt.reduce((a, v) => a + v, 0);
      const nSeq = cnt.filter((c) => c > 0).length;
      for (let i = 0; i < b.B; i++) for (let t = 0; t < T; t++) {
        const m = b.mask[i]![t]!;
        const w = mode === 'token-mean' ? 1 / nTok : mode === 'seq-mean-token-sum' ? 1 / nSeq : mode === 'seq-mean-token-mean' ? (cnt[i]! ? 1 / (cnt[i]! * nSeq) : 0) : 1 / T;
        const d = b.logp[i]![t]! - b.old[i]![t]!;
        const ratio = Math.exp(Math.min(Math.max(d, -20), 20));
        const A = b.adv[i]![t]!;
        const l1 = -A * ratio, l2 = -A * Math.min(Math.max(ratio, 1 - s.lo), 1 + s.hi);
        const inRange = ratio >= 1 - s.lo && ratio <= 1 + s.hi;
        let dl = l1 >= l2 ? -A * ratio : inRange ? -A * ratio : 0; // clipped branch has no gradient
        if (A < 0 && -A * s.c < Math.max(l1, l2)) dl = 0; // dual clip is a constant
        expect(Math.abs(got[i]![t]! - w * m * dl)).toBeLessThan(1e-6);
      }
      g.dispose();
    }
    tf.dispose([old, adv, mask]);
  });

  it('the gradient agrees with central finite differences (float32, step 1e-2 on a smooth region)', () => {
    // Small log-ratio spread so no token sits near a clip kink within the step.
    const b = policyBatch(29, 6, 5, 0.05);
    const [old, adv, mask] = [t2(b.old), t2(b.adv), t2(b.mask)];
    const f = (lp: tf.Tensor) => computePolicyLossTensors({ oldLogProb: old, logProb: lp as tf.Tensor2D, advantages: adv, responseMask: mask, lossAggMode: 'seq-mean-token-mean' }).loss;
    const lp = t2(b.logp);
    const g = tf.grad(f)(lp).arraySync() as Mat;
    const h = 1e-2;
    for (let i = 0; i < b.B; i++) for (let t = 0; t < b.T; t++) {
      const bump = (delta: number) => {
        const x = b.logp.map((r) => r.slice());
        x[i]![t]! += delta;
        const xt = t2(x);
        const v = tf.tidy(() => f(xt).dataSync()[0]!);
        xt.dispose();
        return v;
      };
      const fd = (bump(h) - bump(-h)) / (2 * h);
      expect(Math.abs(fd - g[i]![t]!)).toBeLessThan(2e-4);
    }
    tf.dispose([old, adv, mask, lp]);
  });

  it('works inside tf.variableGrads with metrics kept as tensors (no device read needed)', () => {
    const b = policyBatch(31, 8, 6, 0.5);
    const v = tf.variable(t2(b.logp));
    const [old, adv, mask, lpPlain] = [t2(b.old), t2(b.adv), t2(b.mask), t2(b.logp)];
    const before = tf.memory().numTensors;
    let kept: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const out = computePolicyLossTensors({ oldLogProb: old, logProb: v as unknown as tf.Tensor2D, advantages: adv, responseMask: mask });
      kept = [tf.keep(out.metrics.pg_clipfrac), tf.keep(out.metrics.ppo_kl)];
      return out.loss;
    });
    const plain = computePolicyLoss({ oldLogProb: old, logProb: lpPlain, advantages: adv, responseMask: mask });
    expect(value.dataSync()[0]).toBeCloseTo(plain.loss.dataSync()[0]!, 6);
    expect(kept[1]!.dataSync()[0]).toBeCloseTo(plain.metrics.ppo_kl, 6);
    expect(Object.keys(grads)).toEqual([v.name]);
    tf.dispose([value, ...Object.values(grads), ...kept, plain.loss]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([v, old, adv, mask, lpPlain]);
  });
});
