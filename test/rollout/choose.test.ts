import { describe, expect, it } from 'vitest';
import { chooseToken } from '../../src/rollout/choose.js';
import { rowKey, uniformAt } from '../../src/rollout/rng.js';
import { makeRng } from '../../src/data/rng.js';
import { peersReady, runPeerAsync } from '../peers/python.js';

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

/**
 * transformers' warpers by their definitions, on a full sort of the vocabulary (float64): temperature; top-k
 * keeps every logit >= the k-th largest (ties included); top-p on the renormalised survivors drops a token once
 * the ascending cumulative probability up to it is <= 1 − p, keeping at least the most likely one.
 */
function hfWarped(row: ArrayLike<number>, o: { temperature: number; topK: number; topP: number }): Map<number, number> {
  const x = Array.from(row, (v) => v / o.temperature);
  let ids = x.map((_, i) => i).filter((i) => x[i]! > -Infinity);
  ids.sort((a, b) => x[b]! - x[a]!);
  if (o.topK > 0 && o.topK < ids.length) {
    const kth = x[ids[o.topK - 1]!]!;
    ids = ids.filter((i) => x[i]! >= kth);
  }
  const logZ = (set: number[]) => {
    const m = x[set[0]!]!;
    return m + Math.log(set.reduce((a, i) => a + Math.exp(x[i]! - m), 0));
  };
  if (o.topP < 1) {
    const lz = logZ(ids);
    let cum = 0;
    const asc = [...ids].reverse();
    const drop = new Set<number>();
    for (const i of asc.slice(0, -1)) {
      cum += Math.exp(x[i]! - lz);
      if (cum <= 1 - o.topP) drop.add(i);
    }
    ids = ids.filter((i) => !drop.has(i));
  }
  const lz = logZ(ids);
  return new Map(ids.map((i) => [i, x[i]! - lz]));
}

/** What chooseToken returns over a grid of draws u (and u → 1: the least likely survivor). */
async function supportOf(row: ArrayLike<number>, o: { temperature: number; topK: number; topP: number }): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  for (let j = 0; j <= 200; j++) {
    const c = chooseToken(row, o, Math.min(j / 200, 1 - 1e-12));
    seen.set(c.id, c.logProb);
    if (j % 20 === 0) await new Promise((r) => setImmediate(r)); // a 150k row takes ms: let vitest's RPC through
  }
  return seen;
}

describe('chooseToken keeps what transformers keeps (temperature → top-k → top-p, each on the filtered logits)', () => {
  // Qwen2's vocabulary. Ten head tokens hold ~0.91 of the mass; 151,926 tail tokens share the rest (each below
  // 1e-4). The nucleus of p = 0.9 over the renormalised top 1000 needs all ten head tokens: the top 1000's mass
  // includes 990 tail tokens, and nine head tokens fall 1.8e-4 short of 0.9 of it.
  const V = 151_936;
  const row = new Float32Array(V);
  const rng = makeRng(13);
  const tailMass = 0.09;
  for (let i = 0; i < V; i++) row[i] = Math.log((tailMass / V) * Math.exp(0.3 * (rng() + rng() + rng() - 1.5)));
  const head = [101, 2024, 5000, 7777, 40_000, 80_001, 99_999, 120_000, 151_000, 151_935];
  // Distinct head logits: which of tied tokens a nucleus boundary keeps is up to torch.sort's order.
  head.forEach((id, j) => (row[id] = Math.log(j < 9 ? 0.09102 + (j - 4) * 1e-5 : 0.09082)));
  const cases = [
    { temperature: 1, topK: 1000, topP: 0.9 },
    { temperature: 0.7, topK: 1000, topP: 0.95 },
    { temperature: 1.3, topK: 50, topP: 0.8 },
    { temperature: 1, topK: 0, topP: 0.9 },
    { temperature: 1, topK: 5, topP: 1 },
  ];

  it('top-k 1000 then top-p 0.9 keeps the ten head tokens at vocabulary 151,936', async () => {
    const want = hfWarped(row, cases[0]!);
    expect([...want.keys()].sort((a, b) => a - b)).toEqual(head);
    const got = await supportOf(row, cases[0]!);
    expect([...got.keys()].sort((a, b) => a - b)).toEqual(head);
    for (const [id, lp] of got) expect(Math.abs(lp - want.get(id)!), `token ${id}`).toBeLessThan(1e-6);
  });

  it('matches the reference for other temperature / top-k / top-p settings, and keeps ties with the k-th logit', async () => {
    for (const o of cases) {
      const want = hfWarped(row, o);
      const got = await supportOf(row, o);
      for (const [id, lp] of got) expect(Math.abs(lp - want.get(id)!), `${JSON.stringify(o)} token ${id}`).toBeLessThan(1e-6);
      // u → 1 draws the least likely survivor: the kept set ends where the reference's does.
      const least = [...want].sort((a, b) => a[1] - b[1])[0]![0];
      expect(chooseToken(row, o, 1 - 1e-12).id, JSON.stringify(o)).toBe(least);
    }
    // The 2nd largest logit is tied three ways: top-2 keeps all four tokens >= it.
    const tied = [3, 2, 2, 2, 1].map((v) => v);
    const want = hfWarped(tied, { temperature: 1, topK: 2, topP: 1 });
    expect([...want.keys()].sort()).toEqual([0, 1, 2, 3]);
    const got = await supportOf(tied, { temperature: 1, topK: 2, topP: 1 });
    expect([...got.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const [id, lp] of got) expect(lp).toBeCloseTo(want.get(id)!, 9);
  });

  // With the two tests above (chooseToken = the reference), this makes chooseToken = transformers.
  it.skipIf(!peersReady)('the reference agrees with transformers itself', async () => {
    const tied = [3, 2, 2, 2, 1];
    const tieCase = { temperature: 1, topK: 2, topP: 1 };
    const settings = (os: typeof cases) => os.map((o) => ({ temperature: o.temperature, top_k: o.topK, top_p: o.topP }));
    const [big, small] = await runPeerAsync<{ ids: number[]; logprobs: number[] }[]>('warp', [
      { logits: Array.from(row), settings: settings(cases) },
      { logits: tied, settings: settings([tieCase]) },
    ]);
    const jobs = [...cases.map((o, j) => ({ row, o, hf: big![j]! })), { row: tied, o: tieCase, hf: small![0]! }];
    for (const { row, o, hf } of jobs) {
      const want = new Map(hf.ids.map((id, i) => [id, hf.logprobs[i]!]));
      const ref = hfWarped(row, o);
      expect([...ref.keys()].sort((a, b) => a - b), JSON.stringify(o)).toEqual([...want.keys()].sort((a, b) => a - b));
      // transformers works in float32.
      for (const [id, lp] of ref) expect(Math.abs(lp - want.get(id)!), `${JSON.stringify(o)} token ${id}`).toBeLessThan(1e-4);
    }
  });
});
