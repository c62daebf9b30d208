// A counter-based PRNG: the uniform for (seed, row, step) is a pure hash of the three, so a row's draws do not
// depend on which batch, worker or order it was sampled in (what makes pool size 0 and pool size k agree).
import { fmix32 } from '../data/rng.js';

/** Key of one row: mixes the whole seed (up to 2^53) and the row index. */
export function rowKey(seed: number, row: number): number {
  if (!Number.isSafeInteger(seed)) throw new Error(`sampling seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = fmix32(lo ^ 0x9e3779b9);
  h = fmix32(h ^ Math.imul(hi + 0x632be5ab, 0x2c1b3c6d));
  return fmix32(h ^ Math.imul(row + 0x7f4a7c15, 0x297a2d39));
}

/** Uniform in [0, 1) with 53 random bits, for draw `step` of the row with key `key`. */
export function uniformAt(key: number, step: number): number {
  const a = fmix32(key ^ fmix32(Math.imul(step, 2) + 0x3c6ef372));
  const b = fmix32(a ^ fmix32(Math.imul(step, 2) + 0x0daa66d3));
  return (a * 2097152 + (b >>> 11)) / 9007199254740992;
}
