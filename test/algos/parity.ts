// Estimator parity checks shared by the cpu and wasm test files.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { getAdvantageEstimator } from '../../src/algos/index.js';
import { type Batch, maxAbsDiff } from './batch.js';
import { goldenGrpo, goldenPassk, goldenRfpp, goldenRfppBaseline, goldenRloo, type Mat } from './golden.js';

export const TOL = 1e-5;

export function tensors(b: Batch): { rewards: tf.Tensor2D; mask: tf.Tensor2D } {
  return { rewards: tf.tensor2d(b.rewards, [b.B, b.T]), mask: tf.tensor2d(b.mask, [b.B, b.T]) };
}

export interface Expected { adv: Mat; ret?: Mat }

export function golden(name: string, b: Batch, o: { normAdvByStd?: boolean; gamma?: number } = {}): Expected {
  switch (name) {
    case 'grpo': return { adv: goldenGrpo(b.rewards, b.mask, b.index, 1e-6, o.normAdvByStd ?? true) };
    case 'rloo': return { adv: goldenRloo(b.rewards, b.mask, b.index) };
    case 'reinforce_plus_plus_baseline': return { adv: goldenRfppBaseline(b.rewards, b.mask, b.index) };
    case 'grpo_passk': return { adv: goldenPassk(b.rewards, b.mask, b.index, 1e-6, o.normAdvByStd ?? true) };
    case 'reinforce_plus_plus': {
      const g = goldenRfpp(b.rewards, b.mask, o.gamma ?? 1);
      return { adv: g.adv, ret: g.ret };
    }
  }
  throw new Error(name);
}

/** Runs the estimator on the batch and checks advantages (and returns) against the golden within TOL. */
export function checkParity(name: string, b: Batch, o: { normAdvByStd?: boolean; gamma?: number } = {}): number {
  const want = golden(name, b, o);
  const { rewards, mask } = tensors(b);
  const before = tf.memory().numTensors;
  const out = getAdvantageEstimator(name)({ tokenLevelRewards: rewards, responseMask: mask, index: b.index, ...o });
  expect(tf.memory().numTensors - before).toBe(2); // only the two results survive
  expect(out.advantages.shape).toEqual([b.B, b.T]);
  const adv = out.advantages.dataSync();
  const d = maxAbsDiff(adv, want.adv);
  expect(d, `${name} advantages max |diff|`).toBeLessThan(TOL);
  const wantRet = want.ret ?? want.adv;
  const dr = maxAbsDiff(out.returns.dataSync(), wantRet);
  expect(dr, `${name} returns max |diff|`).toBeLessThan(TOL);
  tf.dispose([rewards, mask, out.advantages, out.returns]);
  return d;
}
