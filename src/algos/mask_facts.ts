// Facts about a response mask that some estimators need as plain numbers: Σ mask (whitening needs at
// least 2 valid tokens) and whether every row is 1…1 0…0 (the discounted return's fast path). Read once,
// asynchronously, so that an estimator given them does no synchronous device read: webgpu in Node cannot.
import * as tf from '@tensorflow/tfjs';
import { prefixFromFlags, prefixMaskFlags } from './discounted_returns.js';
import { maskCount } from './masked.js';
import { asFloat, expectMatrix } from './validate.js';

export interface MaskFacts {
  /** The tensor these facts describe: estimators ignore facts about any other tensor. */
  readonly mask: tf.Tensor;
  /** Σ mask. */
  readonly validCount: number;
  /** Every row is 1…1 0…0 (a prefix mask). */
  readonly prefix: boolean;
}

/** One async device read of Σ mask and the prefix-mask flags of a [B, T] mask. */
export async function readMaskFacts(mask: tf.Tensor2D): Promise<MaskFacts> {
  expectMatrix('readMaskFacts', 'mask', mask);
  const packed = tf.tidy(() => {
    const m = asFloat(mask) as tf.Tensor2D;
    return tf.concat([tf.reshape(maskCount(m), [1]), prefixMaskFlags(m)]);
  });
  try {
    const v = await packed.data();
    return { mask, validCount: v[0]!, prefix: prefixFromFlags(v.subarray(1)) };
  } finally {
    packed.dispose();
  }
}

/** The facts in `given` when they describe `mask` (validated), else undefined: the caller then reads them itself. */
export function factsAbout(who: string, given: MaskFacts | undefined, mask: tf.Tensor): MaskFacts | undefined {
  if (given === undefined || given.mask !== mask) return undefined;
  if (typeof given.validCount !== 'number' || !(given.validCount >= 0)) {
    throw new Error(`${who}: maskFacts.validCount must be a number >= 0, got ${String(given.validCount)}`);
  }
  if (typeof given.prefix !== 'boolean') throw new Error(`${who}: maskFacts.prefix must be a boolean, got ${String(given.prefix)}`);
  return given;
}
