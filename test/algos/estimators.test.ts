import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import {
  getAdvantageEstimator,
  listAdvantageEstimators,
  registerAdvantageEstimator,
  type AdvantageEstimator,
} from '../../src/algos/index.js';
import { randomBatch } from './batch.js';
import { checkParity, tensors } from './parity.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const ALL = ['grpo', 'rloo', 'reinforce_plus_plus_baseline', 'grpo_passk', 'reinforce_plus_plus'];

describe('registry', () => {
  it('lists the five verl estimators', () => {
    expect(listAdvantageEstimators()).toEqual(expect.arrayContaining(ALL));
  });
  it('names the known estimators when the name is unknown', () => {
    expect(() => getAdvantageEstimator('gae_typo')).toThrow(/unknown advantage estimator "gae_typo".*grpo.*rloo/);
  });
  it('registers a new estimator in one call and refuses silent overrides', () => {
    const constant: AdvantageEstimator = ({ responseMask }) => ({ advantages: tf.clone(responseMask), returns: tf.clone(responseMask) });
    registerAdvantageEstimator('constant_one', constant);
    expect(getAdvantageEstimator('constant_one')).toBe(constant);
    expect(listAdvantageEstimators()).toContain('constant_one');
    expect(() => registerAdvantageEstimator('grpo', constant)).toThrow(/already registered/);
    registerAdvantageEstimator('constant_one', constant, { replace: true });
  });
});

describe('parity with the verl definitions on random batches (float64 golden, 1e-5)', () => {
  // Sizes cover B up to 256, T up to 512, groups of 1–32, ragged and empty rows.
  const configs = [
    { B: 256, T: 512, group: [1, 32] as [number, number] },
    { B: 64, T: 37, group: [1, 4] as [number, number] },
    { B: 128, T: 96, group: [16, 16] as [number, number] },
    { B: 7, T: 1, group: [1, 3] as [number, number] },
  ];
  for (const name of ALL) {
    for (const [ci, c] of configs.entries()) {
      for (const scores of ['binary', 'unit'] as const) {
        it(`${name} B=${c.B} T=${c.T} groups ${c.group.join('–')} scores ${scores}`, () => {
          // grpo_passk needs groups of at least two.
          const group: [number, number] = name === 'grpo_passk' ? [Math.max(2, c.group[0]), Math.max(2, c.group[1])] : c.group;
          const b = randomBatch(1000 + ci * 7 + (scores === 'unit' ? 1 : 0), { ...c, group, scores, emptyRows: 0.05, stringIndex: ci % 2 === 1 });
          checkParity(name, b);
        });
      }
    }
  }
  it('grpo with normAdvByStd=false (Dr.GRPO) and grpo_passk without std', () => {
    const b = randomBatch(7, { B: 200, T: 64, group: [1, 12], scores: 'unit', emptyRows: 0.1 });
    checkParity('grpo', b, { normAdvByStd: false });
    const p = randomBatch(8, { B: 200, T: 64, group: [2, 12], scores: 'unit' });
    checkParity('grpo_passk', p, { normAdvByStd: false });
  });
  it('rloo, reinforce_plus_plus_baseline and reinforce_plus_plus with rewards on every token', () => {
    for (const name of ['rloo', 'reinforce_plus_plus_baseline', 'reinforce_plus_plus']) {
      checkParity(name, randomBatch(9, { B: 96, T: 300, group: [1, 8], scores: 'unit', dense: true, emptyRows: 0.05 }));
    }
  });
  it('reinforce_plus_plus with gamma < 1, prefix masks (blocked scan) and masks with holes (doubling scan)', () => {
    for (const gamma of [0.99, 0.9, 0.5, 0]) {
      checkParity('reinforce_plus_plus', randomBatch(11, { B: 64, T: 500, group: [1, 1], scores: 'unit', dense: true, emptyRows: 0.1 }), { gamma });
      checkParity('reinforce_plus_plus', randomBatch(12, { B: 48, T: 77, group: [1, 1], scores: 'unit', dense: true, masks: 'holes' }), { gamma });
    }
  });
  it('outcome estimators accept masks with holes', () => {
    for (const name of ['grpo', 'rloo', 'reinforce_plus_plus_baseline', 'grpo_passk']) {
      checkParity(name, randomBatch(13, { B: 60, T: 40, group: [2, 6], scores: 'unit', masks: 'holes' }));
    }
  });
});

describe('edge cases', () => {
  const run = (name: string, rewards: number[][], mask: number[][], index: Array<string | number>, extra = {}) => {
    const b = { rewards, mask, index, B: rewards.length, T: rewards[0]!.length };
    const { rewards: r, mask: m } = tensors(b);
    try {
      const out = getAdvantageEstimator(name)({ tokenLevelRewards: r, responseMask: m, index, ...extra });
      const a = out.advantages.arraySync();
      tf.dispose([out.advantages, out.returns]);
      return a;
    } finally {
      tf.dispose([r, m]);
    }
  };
  const mask3 = [[1, 1, 0], [1, 0, 0], [1, 1, 1]];

  it('all-equal groups give exactly zero advantages (std 0), for {0,1} and fractional scores', () => {
    for (const v of [1, 0.3, 0.7]) {
      const rewards = [[0, v, 0], [v, 0, 0], [0, 0, v]];
      expect(run('grpo', rewards, mask3, ['a', 'a', 'a'])).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
      expect(run('rloo', rewards, mask3, ['a', 'a', 'a'])).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
      expect(run('grpo_passk', rewards, mask3, ['a', 'a', 'a'])).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    }
  });
  it('groups of one: grpo uses mean 0 / std 1, rloo keeps the score, rf++ baseline subtracts nothing', () => {
    const rewards = [[0, 0.5, 0], [1, 0, 0], [0, 0, 0.25]];
    const g = run('grpo', rewards, mask3, [1, 2, 3]);
    expect(g[0]![0]).toBeCloseTo(0.5 / (1 + 1e-6), 6);
    expect(g[0]![2]).toBe(0);
    expect(run('grpo', rewards, mask3, [1, 2, 3], { normAdvByStd: false })[1]![0]).toBe(1);
    expect(run('rloo', rewards, mask3, [1, 2, 3])[2]).toEqual([0.25, 0.25, 0.25]);
  });
  it('fully masked rows get zero advantages but still count in their group (verl sums the row)', () => {
    const rewards = [[0, 0, 0], [1, 0, 0], [0, 0, 1]];
    const mask = [[0, 0, 0], [1, 0, 0], [1, 1, 1]];
    for (const name of ALL) {
      if (name === 'reinforce_plus_plus') continue; // rewards must sit on valid tokens to be whitened meaningfully
      const a = run(name, rewards, mask, ['g', 'g', 'g']);
      expect(a[0]!.map(Math.abs)).toEqual([0, 0, 0]);
    }
  });
  it('whitening a batch whose mask sums to one (or zero) fails clearly instead of returning NaN', () => {
    const rewards = [[1, 0], [0, 0]];
    for (const mask of [[[1, 0], [0, 0]], [[0, 0], [0, 0]]]) {
      for (const name of ['reinforce_plus_plus_baseline', 'reinforce_plus_plus']) {
        const before = tf.memory().numTensors;
        expect(() => run(name, rewards, mask, [0, 0])).toThrow(new RegExp(`${name}: .*at least 2 valid elements`));
        expect(tf.memory().numTensors).toBe(before);
      }
    }
  });
  it('grpo_passk rejects a group of one, naming it', () => {
    expect(() => run('grpo_passk', [[1, 0], [0, 1], [1, 1]], [[1, 1], [1, 1], [1, 1]], ['p', 'p', 'lonely'])).toThrow(
      /grpo_passk: .*at least 2 samples per group; group "lonely" \(row 2\) has 1/,
    );
  });
  it('grpo_passk gives the whole gap to the single best row', () => {
    const a = run('grpo_passk', [[0.2], [0.9], [0.5], [0.1]], [[1], [1], [1], [1]], [0, 0, 0, 0], { normAdvByStd: false });
    expect(a.flat().map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 0.4, 0, 0]);
  });
  it('string and number ids are different groups (as Python dict keys)', () => {
    const a = run('rloo', [[1], [0], [1], [0]], [[1], [1], [1], [1]], [1, '1', 1, '1']);
    // groups {0,2} = [1,1] and {1,3} = [0,0]: all deviations zero
    expect(a.flat()).toEqual([0, 0, 0, 0]);
  });
  it('rejects bad input with errors that name the field', () => {
    const r = tf.zeros([2, 3]) as tf.Tensor2D;
    const m = tf.ones([2, 4]) as tf.Tensor2D;
    const grpo = getAdvantageEstimator('grpo');
    expect(() => grpo({ tokenLevelRewards: r, responseMask: m, index: [0, 0] })).toThrow(/grpo: responseMask has shape \[2, 4\] but tokenLevelRewards has shape \[2, 3\]/);
    expect(() => grpo({ tokenLevelRewards: r, responseMask: r, index: [0] })).toThrow(/grpo: index has 1 entries but the batch has 2 rows/);
    expect(() => grpo({ tokenLevelRewards: tf.zeros([6]) as never, responseMask: r, index: [0, 0] })).toThrow(/tokenLevelRewards must be rank 2/);
    expect(() => grpo({ tokenLevelRewards: r, responseMask: r, index: [0, null as never] })).toThrow(/index\[1\] must be a string or number/);
    expect(() => getAdvantageEstimator('reinforce_plus_plus')({ tokenLevelRewards: r, responseMask: r, index: [0, 0], gamma: 1.5 })).toThrow(/gamma must be in \[0, 1\]/);
    tf.dispose([r, m]);
  });
  it('accepts a bool mask and leaks no tensor', () => {
    const r = tf.tensor2d([[0, 1], [1, 0], [0, 0.5]]);
    const m = tf.tensor2d([[1, 1], [1, 0], [1, 1]]).cast('bool') as tf.Tensor2D;
    const before = tf.memory().numTensors;
    for (const name of ALL) {
      const out = getAdvantageEstimator(name)({ tokenLevelRewards: r, responseMask: m, index: ['x', 'x', 'y'].map((s, i) => (name === 'grpo_passk' ? 'x' : s + i)) });
      expect(out.advantages.dtype).toBe('float32');
      tf.dispose([out.advantages, out.returns]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([r, m]);
  });
});
