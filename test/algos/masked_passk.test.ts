import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { bestAtN, maskedMean, maskedSum, maskedVar, maskedWhiten, meanAtN, meanPassAtK, passAtK, passAtKFromScores } from '../../src/algos/index.js';
import { rng } from './batch.js';
import { goldenMaskedWhiten, goldenPassAtK } from './golden.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('masked statistics', () => {
  const r = rng(77);
  const vals = Array.from({ length: 30 }, () => Array.from({ length: 20 }, () => r() * 10 - 5));
  const mask = vals.map((row, i) => row.map((_, t) => (t < (i * 7) % 21 ? 1 : 0)));
  it('sum, mean (with verl +1e-8), unbiased var, whiten (shiftMean on and off), per axis', () => {
    const [v, m] = [tf.tensor2d(vals), tf.tensor2d(mask)];
    let s = 0, n = 0;
    vals.forEach((row, i) => row.forEach((x, t) => { s += x * mask[i]![t]!; n += mask[i]![t]!; }));
    const mu = s / (n + 1e-8);
    let ss = 0;
    vals.forEach((row, i) => row.forEach((x, t) => { ss += (x - mu) ** 2 * mask[i]![t]!; }));
    expect(maskedSum(v, m).dataSync()[0]).toBeCloseTo(s, 3);
    expect(maskedMean(v, m).dataSync()[0]).toBeCloseTo(mu, 5);
    expect(maskedVar(v, m).dataSync()[0]).toBeCloseTo((ss / (n + 1e-8)) * (n / (n - 1)), 4);
    expect(maskedVar(v, m, false).dataSync()[0]).toBeCloseTo(ss / (n + 1e-8), 4);
    const rowMeans = maskedMean(v, m, 1).dataSync();
    vals.forEach((row, i) => {
      const c = mask[i]!.reduce((a: number, b) => a + b, 0);
      const want = row.reduce((a, x, t) => a + x * mask[i]![t]!, 0) / (c + 1e-8);
      expect(rowMeans[i]).toBeCloseTo(want, 4);
    });
    const w = maskedWhiten(v, m).dataSync();
    const gw = goldenMaskedWhiten(vals, mask).flat();
    gw.forEach((x, k) => expect(Math.abs(w[k]! - x)).toBeLessThan(1e-5));
    const w2 = maskedWhiten(v, m, false).dataSync();
    gw.forEach((x, k) => expect(Math.abs(w2[k]! - (x + mu))).toBeLessThan(1e-5));
  });
  it('unbiased variance and whitening throw for masks summing to 0 or 1, leaking nothing', () => {
    const v = tf.tensor2d([[1, 2], [3, 4]]);
    for (const mask of [[[0, 0], [0, 0]], [[0, 1], [0, 0]]]) {
      const m = tf.tensor2d(mask);
      const before = tf.memory().numTensors;
      expect(() => maskedWhiten(v, m)).toThrow(/maskedWhiten: .*at least 2 valid elements/);
      expect(() => maskedVar(v, m)).toThrow(/maskedVar: .*at least 2 valid elements/);
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    }
    const ok = maskedWhiten(v, tf.tensor2d([[1, 1], [0, 0]])).dataSync();
    expect(Number.isFinite(ok[0]!)).toBe(true);
  });
});

describe('pass@k, mean@n, best@n', () => {
  it('matches the binomial ratio for every n ≤ 40, c, k', () => {
    for (let n = 1; n <= 40; n++) for (let c = 0; c <= n; c++) for (let k = 1; k <= n; k++) {
      expect(Math.abs(passAtK(n, c, k) - goldenPassAtK(n, c, k))).toBeLessThan(1e-12);
    }
  });
  it('is stable for large n and has the known closed forms', () => {
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12);
    expect(passAtK(512, 0, 5)).toBe(0);
    expect(passAtK(512, 512, 5)).toBe(1);
    const v = passAtK(100000, 3, 1000);
    expect(v).toBeGreaterThan(0);
    expect(v).toBeLessThan(1);
    expect(v).toBeCloseTo(1 - (1 - 1000 / 100000) ** 3, 5);
  });
  it('averages over problems and validates input', () => {
    expect(meanPassAtK([{ n: 4, c: 0 }, { n: 4, c: 4 }], 2)).toBe(0.5);
    expect(passAtKFromScores([[1, 0, 0, 1], [0.5, 0.2, 0, 0]], 1)).toBeCloseTo(0.25, 12);
    expect(passAtKFromScores([[1, 0, 0, 1], [0.5, 0.2, 0, 0]], 1, 0.5)).toBeCloseTo(0.375, 12);
    expect(() => passAtK(4, 5, 1)).toThrow(/c \(5 correct\) cannot exceed n \(4 samples\)/);
    expect(() => passAtK(4, 1, 5)).toThrow(/k must be in \[1, n=4\]/);
    expect(() => passAtK(4.5, 1, 1)).toThrow(/n must be a non-negative integer/);
    expect(() => meanPassAtK([{ n: 2, c: 1 }, { n: 2, c: 3 }], 1)).toThrow(/problem 1: /);
    expect(meanAtN([1, 0, 0.5, 0.5])).toBe(0.5);
    expect(bestAtN([0.1, 0.7, 0.3])).toBe(0.7);
    expect(() => meanAtN([])).toThrow(/no scores/);
  });
});
