// The contract every policy meets (the HF transformer, the toy policies): what the trainer calls.
import type * as tf from '@tensorflow/tfjs';

export interface ScoreArgs {
  /** [B, P+T] int32: left-padded prompts (width P) followed by right-padded responses (width T). */
  ids: tf.Tensor2D;
  /** [B, P+T]: 1 for real tokens, 0 for padding. */
  attentionMask: tf.Tensor2D;
  /** T: the last T columns are the response. */
  responseLength: number;
  /** Logits are divided by this before the softmax (verl does the same for old/new log-probs). Default 1. */
  temperature?: number;
  withEntropy?: boolean;
}

export interface Policy {
  readonly vocabSize: number;
  /** What the optimizer updates. */
  readonly trainableVariables: tf.Variable[];
  /** Log-probs [B, T] (and entropy [B, T]) of each response token given everything before it. Differentiable. */
  scoreResponses(args: ScoreArgs): { logProbs: tf.Tensor2D; entropy?: tf.Tensor2D };
  /** Weights by (Hugging Face) name: for saving and for broadcasting to sampling workers. */
  namedWeights(): Map<string, tf.Tensor>;
  dispose(): void;
}
