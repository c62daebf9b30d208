// Entropy of the categorical distribution given by logits (verl entropy_from_logits).
import * as tf from '@tensorflow/tfjs';

/** H = logsumexp(z) − Σ softmax(z)·z along the last axis; stable for large logits, differentiable. */
export function entropyFromLogits(logits: tf.Tensor): tf.Tensor {
  if (!(logits instanceof tf.Tensor) || logits.rank < 1) throw new Error('entropyFromLogits: logits must be a tensor of rank >= 1 [..., vocab]');
  return tf.tidy(() => {
    const z = logits.dtype === 'float32' ? logits : tf.cast(logits, 'float32');
    const lse = tf.logSumExp(z, -1);
    return tf.sub(lse, tf.sum(tf.mul(tf.softmax(z), z), -1));
  });
}
