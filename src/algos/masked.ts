// Masked statistics with verl semantics (verl.utils.torch_functional: masked_sum/mean/var/whiten).
import * as tf from '@tensorflow/tfjs';

/** verl adds this to the mask count so an empty mask gives 0, not NaN. */
const COUNT_EPS = 1e-8;
/** verl's whitening epsilon: (x − mean) · rsqrt(var + 1e-8). */
const WHITEN_EPS = 1e-8;

/** Σ values·mask over all elements (a scalar), or along `axis`. */
export function maskedSum(values: tf.Tensor, mask: tf.Tensor, axis?: number): tf.Tensor {
  return tf.tidy(() => {
    const prod = tf.mul(values, mask);
    if (axis !== undefined) return tf.sum(prod, axis);
    // Row sums first, then the total: on wasm a last-axis reduction is ~3x faster than a flat one,
    // and the shorter float32 accumulation chains are more accurate.
    return prod.rank >= 2 ? tf.sum(tf.sum(prod, -1)) : tf.sum(prod);
  });
}

/** Σ values·mask / (Σ mask + 1e-8), over all elements or along `axis`. */
export function maskedMean(values: tf.Tensor, mask: tf.Tensor, axis?: number): tf.Tensor {
  return tf.tidy(() => tf.div(maskedSum(values, mask, axis), tf.add(maskSum(mask, axis), COUNT_EPS)));
}

/**
 * Variance over the masked elements (a scalar). Unbiased (Bessel-corrected) by default, as in verl;
 * then a mask selecting fewer than 2 elements is an error (verl raises; we never return NaN/Inf).
 * The check reads one number from the device synchronously, unless `validCount` (Σ mask, e.g. from
 * readMaskFacts) is given: webgpu in Node cannot read synchronously.
 */
export function maskedVar(values: tf.Tensor, mask: tf.Tensor, unbiased = true, validCount?: number): tf.Scalar {
  const count = unbiased ? requireAtLeastTwo(mask, 'maskedVar', validCount) : 0;
  return tf.tidy(() => varianceGivenMean(values, mask, maskedMean(values, mask), unbiased ? count : 0));
}

/**
 * verl masked_whiten: (values − mean) · rsqrt(var + 1e-8), mean and unbiased var over the masked
 * elements; with shiftMean=false the mean is added back. Not multiplied by the mask (callers do).
 * Throws when the mask selects fewer than 2 elements. `validCount` (Σ mask, known to the caller)
 * avoids the synchronous device read of the check.
 */
export function maskedWhiten(values: tf.Tensor, mask: tf.Tensor, shiftMean = true, validCount?: number): tf.Tensor {
  const count = requireAtLeastTwo(mask, 'maskedWhiten', validCount);
  return tf.tidy(() => {
    const mean = maskedMean(values, mask);
    const variance = varianceGivenMean(values, mask, mean, count);
    const whitened = tf.mul(tf.sub(values, mean), tf.rsqrt(tf.add(variance, WHITEN_EPS)));
    return shiftMean ? whitened : tf.add(whitened, mean);
  });
}

function maskSum(mask: tf.Tensor, axis?: number): tf.Tensor {
  if (axis !== undefined) return tf.sum(mask, axis);
  return mask.rank >= 2 ? tf.sum(tf.sum(mask, -1)) : tf.sum(mask);
}

/** masked_mean((x − mean)², mask), times n/(n−1) when `besselCount` > 0. */
function varianceGivenMean(values: tf.Tensor, mask: tf.Tensor, mean: tf.Tensor, besselCount: number): tf.Scalar {
  const centered = tf.sub(values, mean);
  const biased = maskedMean(tf.square(centered), mask) as tf.Scalar;
  return besselCount > 0 ? tf.mul(biased, besselCount / (besselCount - 1)) : biased;
}

/** Σ mask of every element, as a scalar tensor (no device read). */
export function maskCount(mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => maskSum(mask) as tf.Scalar);
}

/** Σ mask (read from the device unless `known`); throws the verl-style error when it is below 2. Returns the count. */
function requireAtLeastTwo(mask: tf.Tensor, who: string, known?: number): number {
  let count: number;
  if (known !== undefined) count = known;
  else {
    const total = maskCount(mask);
    count = total.dataSync()[0]!;
    total.dispose();
  }
  if (!(count >= 2)) {
    const what = count === 0 ? 'no valid element' : `a mask summing to ${count}`;
    throw new Error(
      `${who}: the unbiased variance needs at least 2 valid elements, got ${what} ` +
        '(verl raises here too: whitening would divide by zero)',
    );
  }
  return count;
}
