// The async entry point to the advantage estimators: reads the facts about the response mask that
// whitening and the discounted return need with one async device read, then runs the (synchronous)
// estimator with them. Works on every backend; on webgpu in Node it is the only way for
// reinforce_plus_plus(_baseline), since those would otherwise read the mask synchronously.
import * as tf from '@tensorflow/tfjs';
import { readMaskFacts } from './mask_facts.js';
import { getAdvantageEstimator } from './registry.js';
import type { AdvantageArgs, AdvantageEstimator, AdvantageResult } from './types.js';

export async function computeAdvantages(estimator: AdvantageEstimator | string, args: AdvantageArgs): Promise<AdvantageResult> {
  const fn = typeof estimator === 'string' ? getAdvantageEstimator(estimator) : estimator;
  const mask = args?.responseMask;
  // A malformed mask is left to the estimator, whose error names it.
  const usable = mask instanceof tf.Tensor && !mask.isDisposed && mask.rank === 2;
  const maskFacts = args.maskFacts?.mask === mask || !usable ? args.maskFacts : await readMaskFacts(mask as tf.Tensor2D);
  return fn({ ...args, maskFacts });
}
