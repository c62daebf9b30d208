// Seeded random batches for the parity tests.
import { makeRng } from '../../src/data/rng.js';

export const rng = makeRng;

export interface Batch {
  rewards: number[][];
  mask: number[][];
  index: Array<string | number>;
  B: number;
  T: number;
}

export interface BatchOpts {
  B: number;
  T: number;
  /** group size range [lo, hi] */
  group: [number, number];
  /** 'binary' scores in {0,1}, 'unit' in [0,1] (with ties: values drawn from a few levels half the time) */
  scores: 'binary' | 'unit';
  /** 'prefix' ragged valid-first masks, 'holes' arbitrary 0/1 masks */
  masks?: 'prefix' | 'holes';
  /** fraction of rows with no valid token */
  emptyRows?: number;
  /** put a reward on every valid token instead of only the last */
  dense?: boolean;
  stringIndex?: boolean;
}

export function randomBatch(seed: number, o: BatchOpts): Batch {
  const r = rng(seed);
  const { B, T } = o;
  const index: Array<string | number> = [];
  let g = 0;
  const id = (k: number) => (o.stringIndex ? `uid-${k}` : k);
  while (index.length < B) {
    const size = o.group[0] + Math.floor(r() * (o.group[1] - o.group[0] + 1));
    const take = Math.min(size, B - index.length);
    // A group cut short by the batch end joins the previous one, so sizes stay >= the minimum.
    const label = take < o.group[0] && g > 0 ? id(g - 1) : id(g);
    for (let j = 0; j < take; j++) index.push(label);
    g++;
  }
  // Shuffle rows so groups are interleaved, as after verl's balancing.
  for (let i = B - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [index[i], index[j]] = [index[j]!, index[i]!];
  }
  const levels = [0, 0.25, 0.5, 0.75, 1];
  const score = () =>
    o.scores === 'binary' ? (r() < 0.5 ? 1 : 0) : r() < 0.5 ? levels[Math.floor(r() * levels.length)]! : r();
  const rewards: number[][] = [];
  const mask: number[][] = [];
  for (let i = 0; i < B; i++) {
    const m = new Array<number>(T).fill(0);
    const rw = new Array<number>(T).fill(0);
    const empty = r() < (o.emptyRows ?? 0);
    if (o.masks === 'holes') {
      for (let t = 0; t < T; t++) m[t] = !empty && r() < 0.7 ? 1 : 0;
    } else {
      const L = empty ? 0 : 1 + Math.floor(r() * T);
      for (let t = 0; t < L; t++) m[t] = 1;
    }
    const valid = m.flatMap((v, t) => (v ? [t] : []));
    if (o.dense) {
      for (const t of valid) rw[t] = score() / Math.max(1, valid.length);
    } else if (valid.length) {
      rw[valid[valid.length - 1]!] = score();
    }
    rewards.push(rw);
    mask.push(m);
  }
  return { rewards, mask, index, B, T };
}

export function maxAbsDiff(a: ArrayLike<number>, b: number[][]): number {
  const flat = b.flat();
  if (a.length !== flat.length) throw new Error(`length ${a.length} vs ${flat.length}`);
  let d = 0;
  for (let i = 0; i < flat.length; i++) {
    const x = a[i]!, y = flat[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
    d = Math.max(d, Math.abs(x - y));
  }
  return d;
}
