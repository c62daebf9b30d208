import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { AdaptiveKlController, FixedKlController, KL_KINDS, applyKlInReward, entropyFromLogits, klPenalty } from '../../src/algos/index.js';
import { rng } from './batch.js';
import { goldenEntropy, goldenKl } from './golden.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** Log-prob pairs spanning small differences, large ones (k3 clamps at 10 and 20) and ties. */
function pairs(seed: number, n: number): { lp: number[]; ref: number[] } {
  const r = rng(seed);
  const lp: number[] = [], ref: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = -r() * 8;
    const kind = i % 5;
    const d = kind === 0 ? 0 : kind === 1 ? (r() - 0.5) * 0.2 : kind === 2 ? (r() - 0.5) * 6 : kind === 3 ? -(15 + r() * 15) : 12 + r() * 15;
    lp.push(a);
    ref.push(a - d);
  }
  return { lp, ref };
}

describe('klPenalty', () => {
  const { lp, ref } = pairs(41, 400);
  for (const kind of KL_KINDS) {
    it(`${kind}: value and gradient (w.r.t. logProb and refLogProb) match the definition`, () => {
      const [x, y] = [tf.tensor2d(lp, [20, 20]), tf.tensor2d(ref, [20, 20])];
      const before = tf.memory().numTensors;
      const value = klPenalty(x, y, kind);
      expect(tf.memory().numTensors - before).toBe(1);
      const [gx, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(klPenalty(a, b, kind)))([x, y]);
      const v = value.dataSync(), dx = gx!.dataSync(), dy = gy!.dataSync();
      for (let i = 0; i < lp.length; i++) {
        const want = goldenKl(lp[i]!, ref[i]!, kind);
        // values: float32 relative precision on numbers up to 10 (k3) or 30 (k1/k2 up to 450)
        expect(Math.abs(v[i]! - want.value)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want.value)));
        if (!(kind.startsWith('abs') && !kind.endsWith('+') && lp[i] === ref[i])) {
          expect(Math.abs(dx[i]! - want.grad)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want.grad)));
          expect(Math.abs(dy[i]! + want.grad)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want.grad)));
        }
      }
      tf.dispose([x, y, value, gx!, gy!]);
    });
  }
  it('gradients agree with central finite differences away from clamp edges', () => {
    const r = rng(5);
    const lp = Array.from({ length: 30 }, () => -r() * 3);
    const ref = lp.map((v) => v - (r() - 0.5) * 3);
    const h = 1e-2;
    for (const kind of ['k1', 'mse', 'k3', 'abs'] as const) {
      const x = tf.tensor1d(lp), y = tf.tensor1d(ref);
      const g = tf.grad((a: tf.Tensor) => tf.sum(klPenalty(a, y, kind)))(x).dataSync();
      for (let i = 0; i < lp.length; i++) {
        const at = (delta: number) => goldenKl(lp[i]! + delta, ref[i]!, kind).value;
        const f32 = (delta: number) => tf.tidy(() => klPenalty(tf.scalar(lp[i]! + delta), tf.scalar(ref[i]!), kind).dataSync()[0]!);
        const fd = (f32(h) - f32(-h)) / (2 * h);
        expect(Math.abs(fd - g[i]!), `${kind} #${i}`).toBeLessThan(3e-3 * Math.max(1, Math.abs(g[i]!)));
        expect(Math.abs((at(h) - at(-h)) / (2 * h) - g[i]!)).toBeLessThan(3e-3 * Math.max(1, Math.abs(g[i]!)));
      }
      tf.dispose([x, y]);
    }
  });
  it('"+" variants keep the value and take the k2 gradient; unknown kinds are named', () => {
    const x = tf.tensor1d([-1, -2]), y = tf.tensor1d([-1.5, -1]);
    expect(klPenalty(x, y, 'k3+').dataSync()).toEqual(klPenalty(x, y, 'k3').dataSync());
    expect(Array.from(tf.grad((a: tf.Tensor) => tf.sum(klPenalty(a, y, 'k1+')))(x).dataSync())).toEqual([0.5, -1]);
    expect(() => klPenalty(x, y, 'full')).toThrow(/"full" needs the whole vocabulary/);
    expect(() => klPenalty(x, y, 'k4')).toThrow(/unknown KL estimator "k4".*low_var_kl\+/);
  });
});

describe('applyKlInReward', () => {
  it('token_level_rewards = scores − coef·kl·mask and the verl mean-KL metric', () => {
    const scores = [[0, 0, 1], [0, 0.5, 0], [0, 0, 0]];
    const kl = [[0.1, -0.2, 0.3], [0.5, 0.5, 9], [1, 1, 1]];
    const mask = [[1, 1, 1], [1, 1, 0], [0, 0, 0]];
    const { tokenLevelRewards, klMean } = applyKlInReward(tf.tensor2d(scores), tf.tensor2d(kl), tf.tensor2d(mask), 0.1);
    const want = scores.map((r, i) => r.map((s, t) => s - 0.1 * kl[i]![t]! * mask[i]![t]!));
    const got = tokenLevelRewards.arraySync();
    got.flat().forEach((v, k) => expect(v).toBeCloseTo(want.flat()[k]!, 6));
    // per-row masked means 0.2/3, 0.5, 0 (empty row) → averaged over 3 rows
    expect(klMean).toBeCloseTo((0.2 / 3 + 0.5 + 0) / 3, 6);
  });
  it('KL controllers: fixed stays, adaptive moves towards the target with a ±20% clipped error', () => {
    const f = new FixedKlController(0.05);
    f.update();
    expect(f.value).toBe(0.05);
    const a = new AdaptiveKlController(0.1, 0.01, 1000);
    a.update(1, 100); // far above target: error clipped to +0.2
    expect(a.value).toBeCloseTo(0.1 * (1 + 0.2 * 0.1), 12);
    a.update(0.009, 100);
    expect(a.value).toBeCloseTo(0.1 * 1.02 * (1 + (0.009 / 0.01 - 1) * 0.1), 12);
  });
});

describe('entropyFromLogits', () => {
  it('matches the float64 definition, is stable for huge logits, and differentiates', () => {
    const r = rng(9);
    const rows = [
      ...Array.from({ length: 20 }, () => Array.from({ length: 50 }, () => (r() - 0.5) * 20)),
      Array.from({ length: 50 }, (_, i) => (i === 3 ? 1e4 : 0)), // one-hot: entropy 0
      Array.from({ length: 50 }, () => 500), // uniform at large offset: log 50
    ];
    const logits = tf.tensor2d(rows);
    const before = tf.memory().numTensors;
    const h = entropyFromLogits(logits);
    expect(tf.memory().numTensors - before).toBe(1);
    const got = h.dataSync();
    rows.forEach((row, i) => expect(Math.abs(got[i]! - goldenEntropy(row))).toBeLessThan(1e-4));
    expect(got[21]).toBeCloseTo(Math.log(50), 4);
    // d/dz H = −p ⊙ (z − Σ p z): compare on one row
    const z = tf.tensor1d(rows[0]!);
    const g = tf.grad((x: tf.Tensor) => entropyFromLogits(x))(z).dataSync();
    const mx = Math.max(...rows[0]!);
    const e = rows[0]!.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / s);
    const ez = p.reduce((a, pi, i) => a + pi * rows[0]![i]!, 0);
    p.forEach((pi, i) => expect(Math.abs(g[i]! + pi * (rows[0]![i]! - ez))).toBeLessThan(1e-4));
    tf.dispose([logits, h, z]);
  });
});
