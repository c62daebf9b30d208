// Embedding lookup whose gradient is a scatter-add (ScatterNd sums duplicate indices on every backend,
// including wasm, which has no UnsortedSegmentSum, the kernel tf.gather's own gradient needs).
import * as tf from '@tensorflow/tfjs';
import { defineOp } from './registry.js';
import { customOp } from './custom_op.js';

type T2 = tf.Tensor2D;

/** Reference: one-hot matmul (plain ops everywhere; O(N·V·H), small shapes only). */
function embeddingReference(table: T2, ids: tf.Tensor1D): T2 {
  return tf.tidy(() => tf.matMul(tf.oneHot(tf.cast(ids, 'int32'), table.shape[0]).toFloat() as T2, table));
}

function embeddingFused(table: T2, ids: tf.Tensor1D): T2 {
  const f = customOp((t: T2, i: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([i]);
    return {
      value: tf.gather(t, i),
      gradFunc: (dy: T2, [is]: tf.Tensor[]) => {
        const idx = tf.reshape(tf.cast(is!, 'int32'), [-1, 1]) as T2;
        return [tf.scatterND(idx, dy, table.shape), tf.zeros(is!.shape)];
      },
    };
  });
  return f(table, ids) as T2;
}

/** table [V, H], ids [N] int32 → [N, H]. */
export const embeddingLookup = defineOp('embeddingLookup', { reference: embeddingReference, fused: embeddingFused });
