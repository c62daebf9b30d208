// Rollouts (ragged token lists) → the padded [B, P+T] / [B, T] tensors the loss is computed on.
import * as tf from '@tensorflow/tfjs';

export interface RolloutRows {
  /** Prompt token ids per row (unpadded). */
  prompts: number[][];
  /** Response token ids per row (unpadded). */
  responses: number[][];
}

export interface PaddedBatch {
  /** [B, P+T] int32: left-padded prompts then right-padded responses. */
  ids: tf.Tensor2D;
  /** [B, P+T] float32: 1 for real tokens. */
  attentionMask: tf.Tensor2D;
  /** [B, T] float32: 1 for real response tokens. */
  responseMask: tf.Tensor2D;
  /** T */
  responseLength: number;
}

/** Pad to the batch's own max lengths (not the configured maxima): less compute on short batches. */
export function padRollouts(rows: RolloutRows, padId: number): PaddedBatch {
  const B = rows.prompts.length;
  const P = Math.max(1, ...rows.prompts.map((p) => p.length));
  const T = Math.max(1, ...rows.responses.map((r) => r.length));
  const ids = new Int32Array(B * (P + T)).fill(padId);
  const att = new Float32Array(B * (P + T));
  const resp = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const p = rows.prompts[b]!;
    const r = rows.responses[b]!;
    const row = b * (P + T);
    for (let i = 0; i < p.length; i++) {
      ids[row + P - p.length + i] = p[i]!;
      att[row + P - p.length + i] = 1;
    }
    for (let i = 0; i < r.length; i++) {
      ids[row + P + i] = r[i]!;
      att[row + P + i] = 1;
      resp[b * T + i] = 1;
    }
  }
  return {
    ids: tf.tensor2d(ids, [B, P + T], 'int32'),
    attentionMask: tf.tensor2d(att, [B, P + T]),
    responseMask: tf.tensor2d(resp, [B, T]),
    responseLength: T,
  };
}

/** Outcome reward on the last valid token of each row: [B, T]. Rows with no response token get nothing. */
export function tokenLevelScores(scores: number[], responseLengths: number[], T: number): tf.Tensor2D {
  const out = new Float32Array(scores.length * T);
  scores.forEach((s, b) => {
    const len = Math.min(responseLengths[b]!, T);
    if (len > 0) out[b * T + len - 1] = s;
  });
  return tf.tensor2d(out, [scores.length, T]);
}

export function disposeBatch(b: PaddedBatch): void {
  b.ids.dispose();
  b.attentionMask.dispose();
  b.responseMask.dispose();
}
