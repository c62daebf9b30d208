import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { AdamW, clipByGlobalNorm, learningRate } from '../src/trainer/optimizer.js';

describe('AdamW', () => {
  it('matches the torch.optim.AdamW update rule', async () => {
    await tf.setBackend('cpu');
    const p = tf.variable(tf.tensor1d([1, -2]), true, 'w');
    const opt = new AdamW(new Map([['w', p]]), { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1 });
    const lr = 0.01;
    // reference, by hand
    let w = [1, -2], m = [0, 0], v = [0, 0];
    const gs = [[0.5, -1], [0.2, 0.3], [-1, 2]];
    gs.forEach((g, t) => {
      opt.step([tf.tensor1d(g)], lr);
      w = w.map((wi, i) => {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        v[i] = 0.999 * v[i]! + 0.001 * g[i]! ** 2;
        const mh = m[i]! / (1 - 0.9 ** (t + 1)), vh = v[i]! / (1 - 0.999 ** (t + 1));
        return wi * (1 - lr * 0.1) - lr * mh / (Math.sqrt(vh) + 1e-8);
      });
    });
    const got = Array.from(await p.data());
    got.forEach((x, i) => expect(x).toBeCloseTo(w[i]!, 6));
    expect(opt.t).toBe(3);
  });

  it('clips by global norm and reports the norm before clipping', async () => {
    const { grads, norm } = await clipByGlobalNorm([tf.tensor1d([3]), tf.tensor1d([4])], 1);
    expect(norm).toBeCloseTo(5, 5);
    expect(grads[0]!.dataSync()[0]).toBeCloseTo(0.6, 4);
    expect(grads[1]!.dataSync()[0]).toBeCloseTo(0.8, 4);
    const same = await clipByGlobalNorm([tf.tensor1d([0.3])], 1);
    expect(same.grads[0]!.dataSync()[0]).toBeCloseTo(0.3, 6);
  });

  it('warms up linearly, then holds or follows a cosine', () => {
    const o = { lr: 1, warmup_steps: 4, lr_scheduler: 'constant' as const, min_lr_ratio: 0 };
    expect([1, 2, 4, 5, 100].map((s) => learningRate(s, o, 100))).toEqual([0.25, 0.5, 1, 1, 1]);
    const c = { ...o, lr_scheduler: 'cosine' as const, min_lr_ratio: 0.1 };
    expect(learningRate(4, c, 104)).toBe(1);
    expect(learningRate(54, c, 104)).toBeCloseTo(0.55, 6);
    expect(learningRate(104, c, 104)).toBeCloseTo(0.1, 6);
  });
});
