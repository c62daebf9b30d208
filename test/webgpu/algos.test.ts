// The RL algorithms' async entry points on webgpu vs cpu: every advantage estimator through computeAdvantages
// (whitening and the discounted return need facts about the mask, read asynchronously), the in-reward KL and the
// policy-loss metrics. Shapes are above webgpu's CPU hand-off size, so the reductions really run on the GPU.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { applyKlInRewardTensors, computeAdvantages, computePolicyLossAsync, readMaskFacts } from '../../src/algos/index.js';
import { randomBatch } from '../algos/batch.js';
import { closeness, haveWebgpu, randArray, useBackend } from './harness.js';

const ok = await haveWebgpu();

const ESTIMATORS = ['grpo', 'rloo', 'reinforce_plus_plus_baseline', 'grpo_passk', 'reinforce_plus_plus'];
const B = 48;
const T = 40;

interface Outputs {
  facts: { validCount: number; prefix: boolean };
  adv: Record<string, Float32Array[]>;
  kl: Float32Array[];
  loss: number;
  metrics: number[];
}

async function runAll(backend: string, masks: 'prefix' | 'holes'): Promise<Outputs> {
  await useBackend(backend);
  const b = randomBatch(21, { B, T, group: [2, 8], scores: 'unit', masks, dense: masks === 'holes' });
  const rewards = tf.tensor2d(b.rewards);
  const mask = tf.tensor2d(b.mask);
  const { validCount, prefix } = await readMaskFacts(mask);
  const adv: Record<string, Float32Array[]> = {};
  for (const name of ESTIMATORS) {
    const r = await computeAdvantages(name, { tokenLevelRewards: rewards, responseMask: mask, index: b.index, gamma: 0.95 });
    adv[name] = [(await r.advantages.data()) as Float32Array, (await r.returns.data()) as Float32Array];
    tf.dispose([r.advantages, r.returns]);
  }
  const old = tf.tensor2d(randArray(B * T, 3, 1), [B, T]);
  const lp = tf.tensor2d(randArray(B * T, 4, 1), [B, T]);
  const k = applyKlInRewardTensors(rewards, tf.sub(lp, old) as tf.Tensor2D, mask, 0.1);
  const kl = [(await k.tokenLevelRewards.data()) as Float32Array, (await k.klMean.data()) as Float32Array];
  const pl = await computePolicyLossAsync({ oldLogProb: old, logProb: lp, advantages: tf.tensor2d(randArray(B * T, 5, 2), [B, T]), responseMask: mask });
  const loss = (await pl.loss.data())[0]!;
  tf.dispose([rewards, mask, old, lp, k.tokenLevelRewards, k.klMean, pl.loss]);
  return { facts: { validCount, prefix }, adv, kl, loss, metrics: [pl.metrics.pg_clipfrac, pl.metrics.ppo_kl, pl.metrics.pg_clipfrac_lower] };
}

describe.skipIf(!ok)('algorithms on webgpu (async reads) vs cpu', () => {
  for (const masks of ['prefix', 'holes'] as const) {
    it(`computeAdvantages for every estimator, KL in reward, policy-loss metrics (${masks} masks)`, async () => {
      const gpu = await runAll('webgpu', masks);
      const cpu = await runAll('cpu', masks);
      expect(gpu.facts).toEqual(cpu.facts);
      expect(gpu.facts.prefix).toBe(masks === 'prefix');
      for (const name of ESTIMATORS) {
        gpu.adv[name]!.forEach((g, i) => {
          const c = closeness(g, cpu.adv[name]![i]!, 1e-5, 1e-4);
          expect(c.ok, `${name} ${i === 0 ? 'advantages' : 'returns'}: ${c.worst}`).toBe(true);
        });
      }
      gpu.kl.forEach((g, i) => expect(closeness(g, cpu.kl[i]!, 1e-6, 1e-5).ok).toBe(true));
      expect(gpu.loss).toBeCloseTo(cpu.loss, 5);
      gpu.metrics.forEach((g, i) => expect(g).toBeCloseTo(cpu.metrics[i]!, 5));
    });
  }
});
