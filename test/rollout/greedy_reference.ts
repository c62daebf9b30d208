// Argmax decoding WITHOUT a cache: the full forward is re-run on the whole sequence at every step.
// The ground truth that cached greedy sampling must equal token for token.
import * as tf from '@tensorflow/tfjs';
import type { Decoder } from '../../src/model/decoder.js';

export function greedyWithoutCache(decoder: Decoder, prompt: number[], maxNewTokens: number, stopIds: number[]): number[] {
  const seq = [...prompt];
  const out: number[] = [];
  for (let i = 0; i < maxNewTokens; i++) {
    const row = tf.tidy(() => {
      const ids = tf.tensor2d(seq, [1, seq.length], 'int32');
      const mask = tf.ones([1, seq.length], 'float32') as tf.Tensor2D;
      const logits = decoder.forwardLogits(ids, mask);
      return logits.slice([0, seq.length - 1, 0], [1, 1, -1]).reshape([-1]);
    });
    const v = row.dataSync();
    row.dispose();
    let best = 0;
    for (let j = 1; j < v.length; j++) if (v[j]! > v[best]!) best = j;
    out.push(best);
    seq.push(best);
    if (stopIds.includes(best)) break;
  }
  return out;
}
