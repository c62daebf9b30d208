// The incremental-decoding interface a sampler codes against (prefill, one step per token, row selection).
// The transformer implements it; toy policies may too.
import type * as tf from '@tensorflow/tfjs';

export interface KVCache {
  dispose(): void;
}

export interface Decoder {
  readonly vocabSize: number;
  /** Run left-padded prompts ids [B,P] int32 with mask [B,P]; cache room for maxTotalLength positions; returns last-position logits [B,V]. */
  prefill(ids: tf.Tensor2D, attentionMask: tf.Tensor2D, maxTotalLength: number): { logits: tf.Tensor2D; cache: KVCache };
  /** Append one token per row (ids [B,1]); returns logits [B,V] for it. Updates cache in place (or returns a new cache object via the same reference). */
  decodeStep(ids: tf.Tensor2D, cache: KVCache): tf.Tensor2D;
  /**
   * Keep only these rows of the cache, in this order; later decode steps take that many ids. Optional: a sampler
   * uses it to drop finished rows from the batch, and must get the same tokens either way.
   */
  selectRows?(cache: KVCache, rows: number[]): void;
  /** Full forward without cache: logits [B,L,V] for every position (the ground truth for cache tests; small shapes only). */
  forwardLogits(ids: tf.Tensor2D, attentionMask: tf.Tensor2D): tf.Tensor3D;
}
