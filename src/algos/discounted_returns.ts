// Discounted return of token rewards with verl's reset at padding
// (compute_reinforce_plus_plus_outcome_advantage):
//   returns[t] = r[t] + gamma · mask[t+1] · returns[t+1],   returns[T] = 0.
// No loop over tokens: a blocked matmul scan when the mask is a prefix mask (valid tokens first,
// the usual case), and a log-step (Hillis-Steele) scan for any other mask.
import * as tf from '@tensorflow/tfjs';

/** Block width of the blocked scan: measured fastest on wasm for [rows·T/C, C] @ [C, C]. */
const BLOCK = 8;
/** Below this length a single dense [T, T] discount matmul is cheapest. */
const DENSE_MAX = 64;

/**
 * `rewards` and `mask` are [B, T] float32. Reads a few numbers synchronously to choose the path, unless
 * `prefixMask` (whether `mask` is a prefix mask, e.g. from readMaskFacts) is given: webgpu in Node cannot
 * read synchronously.
 */
export function discountedReturns(rewards: tf.Tensor2D, mask: tf.Tensor2D, gamma: number, prefixMask?: boolean): tf.Tensor2D {
  if (!(gamma >= 0 && gamma <= 1)) throw new Error(`discountedReturns: gamma must be in [0, 1], got ${gamma}`);
  const prefix = prefixMask ?? isPrefixMask(mask);
  return prefix ? prefixMaskReturns(rewards, mask, gamma) : scanReturns(rewards, mask, gamma);
}

/**
 * True when every row is 1…1 0…0 (possibly all 0 or all 1). Checked per block of BLOCK tokens with
 * small integer sums (exact in float32 at any T): each block holds ℓ ones at its first ℓ positions
 * (Σ position = ℓ(ℓ−1)/2, which for values in [0, 1] also forces them to be 0/1), and a block has ones
 * only if the block before it is full.
 */
export function isPrefixMask(mask: tf.Tensor2D): boolean {
  const flags = prefixMaskFlags(mask);
  const values = flags.dataSync();
  flags.dispose();
  return prefixFromFlags(values);
}

/** isPrefixMask with an async device read (works on every backend, webgpu included). */
export async function isPrefixMaskAsync(mask: tf.Tensor2D): Promise<boolean> {
  const flags = prefixMaskFlags(mask);
  try {
    return prefixFromFlags(await flags.data());
  } finally {
    flags.dispose();
  }
}

/** Reads the 4 numbers of prefixMaskFlags: a prefix mask has no misplaced ones, no gaps, and values in [0, 1]. */
export function prefixFromFlags(flags: ArrayLike<number>): boolean {
  const [notLeftPacked, gaps, lo, hi] = [flags[0]!, flags[1]!, flags[2]!, flags[3]!];
  return notLeftPacked === 0 && gaps === 0 && lo >= 0 && hi <= 1;
}

/** [notLeftPacked, gaps, min, max] of the mask as a [4] tensor (no device read); see isPrefixMask. */
export function prefixMaskFlags(mask: tf.Tensor2D): tf.Tensor1D {
  const [B, T] = mask.shape;
  if (B === 0 || T === 0) return tf.tensor1d([0, 0, 0, 0]);
  return tf.tidy(() => {
    const C = Math.min(BLOCK, T);
    const nb = Math.ceil(T / C);
    const blocks = tf.reshape(padColumns(mask, nb * C), [B * nb, C]);
    // Two [C, 1] matvecs rather than one [C, 2] matmul: slicing the last axis afterwards is very slow on wasm.
    const blockSum = (w: (t: number) => number) =>
      tf.reshape(tf.matMul(blocks, tf.tensor2d(Array.from({ length: C }, (_, t) => w(t)), [C, 1])), [B, nb]);
    const ones = blockSum(() => 1);
    const posSum = blockSum((t) => t);
    const notLeftPacked = tf.sum(tf.abs(tf.sub(posSum, tf.div(tf.mul(ones, tf.sub(ones, 1)), 2))));
    let gaps: tf.Tensor = tf.scalar(0);
    if (nb > 1) {
      const later = tf.slice(ones, [0, 1], [B, nb - 1]);
      const earlier = tf.slice(ones, [0, 0], [B, nb - 1]);
      // clip(ℓ, 0, 1) is the has-ones indicator for integer counts (comparisons are slow on wasm).
      gaps = tf.sum(tf.mul(tf.clipByValue(later, 0, 1), tf.sub(C, earlier)));
    }
    return tf.stack([notLeftPacked, gaps, tf.min(mask), tf.max(mask)]) as tf.Tensor1D;
  });
}

/**
 * Prefix masks: on valid tokens the return is the plain discounted suffix sum of the valid rewards
 * (the reset only fires past the last valid token); on padding it is the token's own reward.
 */
function prefixMaskReturns(rewards: tf.Tensor2D, mask: tf.Tensor2D, gamma: number): tf.Tensor2D {
  return tf.tidy(() => {
    const valid = tf.mul(rewards, mask) as tf.Tensor2D;
    const suffix = suffixDiscountedSum(valid, gamma);
    return tf.add(tf.mul(suffix, mask), tf.sub(rewards, valid)) as tf.Tensor2D;
  });
}

/**
 * y[t] = Σ_{s≥t} gamma^(s−t) x[s] along the rows, by blocks: a [C, C] discount matmul inside each
 * block, the same problem (with gamma^C) one level up over the block totals, and a broadcast carry.
 */
export function suffixDiscountedSum(x: tf.Tensor2D, gamma: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [R, N] = x.shape;
    if (N <= DENSE_MAX) return tf.matMul(x, discountMatrix(N, gamma));
    const C = BLOCK;
    const nb = Math.ceil(N / C);
    const blocks = tf.reshape(padColumns(x, nb * C), [R * nb, C]);
    const local = tf.matMul(blocks, discountMatrix(C, gamma)); // suffix sums within each block
    const powers = tf.tensor2d(Array.from({ length: C }, (_, s) => gamma ** s), [C, 1]);
    const totals = tf.reshape(tf.matMul(blocks, powers), [R, nb]); // = local[:, 0], without a strided slice
    const fromBlock = suffixDiscountedSum(totals as tf.Tensor2D, gamma ** C); // y at each block start
    const fromNextBlock = tf.concat([tf.slice(fromBlock, [0, 1], [R, nb - 1]), tf.zeros([R, 1])], 1);
    const tailDecay = tf.tensor2d(Array.from({ length: C }, (_, t) => gamma ** (C - t)), [1, C]);
    const y = tf.add(local, tf.mul(tf.reshape(fromNextBlock, [R * nb, 1]), tailDecay));
    const full = tf.reshape(y, [R, nb * C]);
    return (nb * C === N ? full : tf.slice(full, [0, 0], [R, N])) as tf.Tensor2D;
  });
}

/** D[s, t] = gamma^(s−t) for s ≥ t, else 0: x @ D is the discounted suffix sum of x. */
function discountMatrix(n: number, gamma: number): tf.Tensor2D {
  const d = new Float32Array(n * n);
  for (let s = 0; s < n; s++) for (let t = 0; t <= s; t++) d[s * n + t] = gamma ** (s - t);
  return tf.tensor2d(d, [n, n]);
}

function padColumns(x: tf.Tensor2D, width: number): tf.Tensor2D {
  const extra = width - x.shape[1];
  return extra === 0 ? x : tf.pad(x, [[0, 0], [0, extra]]);
}

/**
 * Any mask: x[t] = b[t] + a[t]·x[t+1] with a[t] = gamma·mask[t+1] (0 at a row's end), solved by
 * log2(T) doubling steps on the flattened batch. Row ends have a = 0, so nothing leaks across rows.
 */
function scanReturns(rewards: tf.Tensor2D, mask: tf.Tensor2D, gamma: number): tf.Tensor2D {
  const [B, T] = rewards.shape;
  if (T <= 1) return tf.clone(rewards);
  const N = B * T;
  let [b, a] = tf.tidy(() => {
    const nextMask = tf.concat([tf.slice(mask, [0, 1], [B, T - 1]), tf.zeros([B, 1])], 1);
    return [tf.reshape(rewards, [N]), tf.reshape(tf.mul(nextMask, gamma), [N])];
  });
  for (let d = 1; d < T; d *= 2) {
    const last = d * 2 >= T;
    const [nb, na] = tf.tidy(() => {
      const bNext = tf.add(b!, tf.mul(a!, shiftLeft(b!, d)));
      return last ? [bNext, a!] : [bNext, tf.mul(a!, shiftLeft(a!, d))];
    });
    b!.dispose();
    if (na !== a) a!.dispose();
    b = nb;
    a = na;
  }
  a!.dispose();
  return tf.tidy(() => tf.reshape(b!, [B, T])) as tf.Tensor2D;
}

/** v[i + d] (0 past the end) for a flat vector. */
function shiftLeft(v: tf.Tensor, d: number): tf.Tensor {
  const n = v.shape[0]!;
  return d >= n ? tf.zerosLike(v) : tf.concat([tf.slice(v, [d], [n - d]), tf.zeros([d])]);
}
