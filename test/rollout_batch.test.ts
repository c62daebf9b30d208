import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { padRollouts, tokenLevelScores } from '../src/trainer/rollout_batch.js';

describe('padRollouts', () => {
  it('left-pads prompts, right-pads responses, and builds the masks', async () => {
    await tf.setBackend('cpu');
    const b = padRollouts({ prompts: [[5, 6], [7]], responses: [[1], [2, 3, 4]] }, 0);
    expect(b.responseLength).toBe(3);
    expect(b.ids.arraySync()).toEqual([[5, 6, 1, 0, 0], [0, 7, 2, 3, 4]]);
    expect(b.attentionMask.arraySync()).toEqual([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]]);
    expect(b.responseMask.arraySync()).toEqual([[1, 0, 0], [1, 1, 1]]);
  });

  it('puts the outcome score on the last valid token', () => {
    expect(tokenLevelScores([0.5, 1, 0.7], [2, 3, 0], 3).arraySync()).toEqual([[0, 0.5, 0], [0, 0, 1], [0, 0, 0]]);
  });
});
