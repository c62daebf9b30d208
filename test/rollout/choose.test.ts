import { describe, expect, it } from 'vitest';
import { chooseToken } from '../../src/rollout/choose.js';
import { rowKey, uniformAt } from '../../src/rollout/rng.js';

const probs = [0.05, 0.5, 0.15, 0.3, 0]; // token 4 has probability 0 (-Infinity logit)
const logits = probs.map(Math.log);

function draws(opts: { temperature: number; topP: number; topK: number }, n: number): Map<number, { count: number; logProb: number }> {
  const key = rowKey(7, 0);
  const seen = new Map<number, { count: number; logProb: number }>();
  for (let s = 0; s < n; s++) {
    const c = chooseToken(logits, opts, uniformAt(key, s));
    const e = seen.get(c.id);
    if (e) {
      e.count++;
      expect(c.logProb).toBe(e.logProb);
    } else seen.set(c.id, { count: 1, logProb: c.logProb });
  }
  return seen;
}

describe('chooseToken', () => {
  it('greedy at temperature 0: argmax with log-prob 0 (a point mass)', () => {
    expect(chooseToken(logits, { temperature: 0, topP: 0.1, topK: 3 }, 0.99)).toEqual({ id: 1, logProb: 0 });
  });

  it('plain sampling follows softmax(logits / T) and reports its log-probs', () => {
    const n = 20000;
    const seen = draws({ temperature: 1, topP: 1, topK: 0 }, n);
    expect(seen.has(4)).toBe(false);
    for (const [id, e] of seen) {
      expect(e.logProb).toBeCloseTo(Math.log(probs[id]!), 6);
      expect(Math.abs(e.count / n - probs[id]!)).toBeLessThan(0.015);
    }
    // Temperature 2 flattens: p ∝ sqrt(p).
    const sq = probs.map(Math.sqrt);
    const z = sq.reduce((a, b) => a + b, 0);
    for (const [id, e] of draws({ temperature: 2, topP: 1, topK: 0 }, 2000)) expect(e.logProb).toBeCloseTo(Math.log(sq[id]! / z), 6);
  });

  it('top-k restricts the support to the k most likely tokens, renormalised', () => {
    const seen = draws({ temperature: 1, topP: 1, topK: 2 }, 4000);
    expect([...seen.keys()].sort()).toEqual([1, 3]);
    expect(seen.get(1)!.logProb).toBeCloseTo(Math.log(0.5 / 0.8), 6);
    expect(seen.get(3)!.logProb).toBeCloseTo(Math.log(0.3 / 0.8), 6);
    expect([...draws({ temperature: 1, topP: 1, topK: 1 }, 200).keys()]).toEqual([1]);
  });

  it('top-p keeps the smallest set reaching the mass, renormalised', () => {
    expect([...draws({ temperature: 1, topP: 0.75, topK: 0 }, 4000).keys()].sort()).toEqual([1, 3]);
    const three = draws({ temperature: 1, topP: 0.85, topK: 0 }, 4000);
    expect([...three.keys()].sort()).toEqual([1, 2, 3]);
    expect(three.get(2)!.logProb).toBeCloseTo(Math.log(0.15 / 0.95), 6);
    expect([...draws({ temperature: 1, topP: 0.4, topK: 0 }, 200).keys()]).toEqual([1]);
  });

  it('top-p applies to the renormalised top-k', () => {
    // top-2 = {0.5, 0.3} → renormalised {0.625, 0.375}; top-p 0.6 keeps only the first.
    expect([...draws({ temperature: 1, topP: 0.6, topK: 2 }, 500).keys()]).toEqual([1]);
  });

  it('handles a large vocabulary with a long flat tail', () => {
    const V = 50000;
    const row = new Float32Array(V).fill(0);
    row[123] = 12;
    row[456] = 11;
    const c = chooseToken(row, { temperature: 1, topP: 0.9, topK: 0 }, 0.5);
    expect([123, 456]).toContain(c.id);
  });

  it('rejects NaN logits', () => {
    expect(() => chooseToken([0, NaN], { temperature: 1, topP: 1, topK: 0 }, 0.5)).toThrow(/NaN/);
  });
});

describe('counter-based PRNG', () => {
  it('is a pure function of (seed, row, step) with uniform output', () => {
    expect(uniformAt(rowKey(1, 2), 3)).toBe(uniformAt(rowKey(1, 2), 3));
    expect(uniformAt(rowKey(1, 2), 3)).not.toBe(uniformAt(rowKey(1, 3), 3));
    expect(uniformAt(rowKey(1, 2), 3)).not.toBe(uniformAt(rowKey(2, 2), 3));
    expect(rowKey(2 ** 40 + 1, 0)).not.toBe(rowKey(1, 0)); // high seed bits count
    let sum = 0;
    const bins = new Array(10).fill(0);
    const n = 50000;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = uniformAt(rowKey(5, i % 7), i);
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      bins[Math.floor(u * 10)]++;
    }
    expect(outside).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const b of bins) expect(Math.abs(b / n - 0.1)).toBeLessThan(0.01);
  });
});
