// The async entry points (for backends that cannot read device memory synchronously, i.e. webgpu in Node):
// computeAdvantages / readMaskFacts, applyKlInRewardTensors, computePolicyLossAsync, isPrefixMaskAsync.
// Each must equal its synchronous counterpart exactly; maskFacts must be used only for the mask they describe.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import {
  applyKlInReward,
  applyKlInRewardTensors,
  computeAdvantages,
  computePolicyLoss,
  computePolicyLossAsync,
  getAdvantageEstimator,
  isPrefixMask,
  isPrefixMaskAsync,
  readMaskFacts,
} from '../../src/algos/index.js';
import { randomBatch } from './batch.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const ALL = ['grpo', 'rloo', 'reinforce_plus_plus_baseline', 'grpo_passk', 'reinforce_plus_plus'];

describe('readMaskFacts', () => {
  it('reads Σ mask and whether every row is 1…1 0…0 (bool/int masks too)', async () => {
    const prefix = tf.tensor2d([[1, 1, 0], [1, 0, 0], [0, 0, 0]]);
    expect(await readMaskFacts(prefix)).toMatchObject({ validCount: 3, prefix: true });
    const holes = tf.tensor2d([[1, 0, 1], [1, 1, 1]], undefined, 'int32');
    const f = await readMaskFacts(holes);
    expect(f).toMatchObject({ validCount: 5, prefix: false });
    expect(f.mask).toBe(holes);
    expect(await readMaskFacts(tf.tensor2d([[true, false]], undefined, 'bool'))).toMatchObject({ validCount: 1, prefix: true });
    // Long rows go through the blocked check (T > 8).
    const long = tf.tensor2d([Array.from({ length: 20 }, (_, t) => (t < 13 ? 1 : 0)), Array.from({ length: 20 }, (_, t) => (t === 15 ? 1 : 0))]);
    expect(await readMaskFacts(long)).toMatchObject({ validCount: 14, prefix: false });
    expect(await isPrefixMaskAsync(long)).toBe(isPrefixMask(long));
    expect(await isPrefixMaskAsync(prefix)).toBe(true);
    await expect(readMaskFacts(tf.tensor1d([1, 0]) as never)).rejects.toThrow(/readMaskFacts: mask must be rank 2/);
  });
});

describe('computeAdvantages (async)', () => {
  for (const masks of ['prefix', 'holes'] as const) {
    it(`equals every synchronous estimator bit for bit (${masks} masks)`, async () => {
      const b = randomBatch(11, { B: 24, T: 19, group: [2, 4], scores: 'unit', masks, dense: true });
      const rewards = tf.tensor2d(b.rewards);
      const mask = tf.tensor2d(b.mask);
      for (const name of ALL) {
        const args = { tokenLevelRewards: rewards, responseMask: mask, index: b.index, gamma: 0.9 };
        const sync = getAdvantageEstimator(name)(args);
        const before = tf.memory().numTensors;
        const viaName = await computeAdvantages(name, args);
        expect(tf.memory().numTensors - before, `${name}: only its two outputs stay`).toBe(2);
        const viaFacts = getAdvantageEstimator(name)({ ...args, maskFacts: await readMaskFacts(mask) });
        for (const r of [viaName, viaFacts]) {
          expect(Array.from(await r.advantages.data()), name).toEqual(Array.from(sync.advantages.dataSync()));
          expect(Array.from(await r.returns.data()), name).toEqual(Array.from(sync.returns.dataSync()));
        }
        tf.dispose([sync, viaName, viaFacts] as never);
      }
    });
  }

  it('keeps the estimators\' errors: fewer than 2 valid tokens for whitening, bad arguments, unknown names', async () => {
    const rewards = tf.tensor2d([[1, 0], [0, 0]]);
    const oneToken = tf.tensor2d([[1, 0], [0, 0]]);
    await expect(computeAdvantages('reinforce_plus_plus_baseline', { tokenLevelRewards: rewards, responseMask: oneToken, index: [0, 0] })).rejects.toThrow(
      /reinforce_plus_plus_baseline: maskedWhiten: .*at least 2 valid elements, got a mask summing to 1/,
    );
    await expect(computeAdvantages('rloo', { tokenLevelRewards: rewards, responseMask: tf.tensor1d([1]) as never, index: [0, 0] })).rejects.toThrow(/rloo: responseMask must be rank 2/);
    await expect(computeAdvantages('no_such', { tokenLevelRewards: rewards, responseMask: oneToken, index: [0, 0] })).rejects.toThrow(/unknown advantage estimator "no_such"/);
  });

  it('uses maskFacts only for the mask they describe, and validates them', async () => {
    const rewards = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    const holes = tf.tensor2d([[1, 0, 1], [0, 1, 1], [1, 1, 1]]);
    const est = getAdvantageEstimator('reinforce_plus_plus');
    const truth = est({ tokenLevelRewards: rewards, responseMask: holes, index: [0, 1, 2], gamma: 0.5 });
    // Facts that would be wrong for `holes` (prefix: true) but describe another tensor: ignored.
    const other = tf.tensor2d([[1, 0, 0], [1, 1, 0], [1, 1, 1]]);
    const foreign = await readMaskFacts(other);
    const r = est({ tokenLevelRewards: rewards, responseMask: holes, index: [0, 1, 2], gamma: 0.5, maskFacts: foreign });
    expect(Array.from(r.advantages.dataSync())).toEqual(Array.from(truth.advantages.dataSync()));
    expect(() => est({ tokenLevelRewards: rewards, responseMask: holes, index: [0, 1, 2], maskFacts: { mask: holes, validCount: Number.NaN, prefix: false } })).toThrow(
      /reinforce_plus_plus: maskFacts.validCount must be a number >= 0/,
    );
  });
});

describe('applyKlInRewardTensors and computePolicyLossAsync', () => {
  it('equal their synchronous versions', async () => {
    const b = randomBatch(5, { B: 6, T: 7, group: [2, 3], scores: 'unit' });
    const scores = tf.tensor2d(b.rewards);
    const mask = tf.tensor2d(b.mask);
    const kl = tf.randomNormal([6, 7], 0, 0.1, 'float32', 3) as tf.Tensor2D;
    const sync = applyKlInReward(scores, kl, mask, 0.2);
    const t = applyKlInRewardTensors(scores, kl, mask, 0.2);
    expect((await t.klMean.data())[0]).toBe(sync.klMean);
    expect(Array.from(await t.tokenLevelRewards.data())).toEqual(Array.from(sync.tokenLevelRewards.dataSync()));
    expect(() => applyKlInRewardTensors(scores, kl, mask, Number.NaN)).toThrow(/coef must be a finite number/);

    const old = tf.randomNormal([6, 7], -1, 0.3, 'float32', 1) as tf.Tensor2D;
    const lp = tf.add(old, tf.randomNormal([6, 7], 0, 0.3, 'float32', 2)) as tf.Tensor2D;
    const adv = tf.randomNormal([6, 7], 0, 1, 'float32', 4) as tf.Tensor2D;
    const args = { oldLogProb: old, logProb: lp, advantages: adv, responseMask: mask, clipRatio: 0.1 };
    const a = computePolicyLoss(args);
    const before = tf.memory().numTensors;
    const b2 = await computePolicyLossAsync(args);
    expect(tf.memory().numTensors - before).toBe(1); // only the loss
    expect(b2.metrics).toEqual(a.metrics);
    expect(a.metrics.pg_clipfrac).toBeGreaterThan(0); // the clip really engaged
    expect((await b2.loss.data())[0]).toBe(a.loss.dataSync()[0]);
    await expect(computePolicyLossAsync({ ...args, clipRatioC: 1 })).rejects.toThrow(/clipRatioC .* must be greater than 1/);
  });
});
