// Micro-batches of a padded rollout batch, each cut to its own longest response. Rollouts of one step range from
// a few tokens to max length: padding every row to the batch's longest response made the policy passes compute
// mostly padding (at 316 tokens mean and 1339 max, 4x the linear work and ~18x the attention). Rows stay
// right-padded, so dropping columns past a micro-batch's longest response changes no log-prob.
import * as tf from '@tensorflow/tfjs';
import type { Policy } from '../model/policy.js';

export interface MicroBatch {
  /** Row indices into the padded batch. */
  rows: number[];
  /** Response columns kept: the longest response among the rows (at least 1). */
  responseWidth: number;
}

export interface PackLimits {
  /** Prompt columns of the padded batch (left-padded prompts: all kept). */
  promptWidth: number;
  maxRows: number;
  /** Cap on rows × (promptWidth + responseWidth) per micro-batch; a longer single row still gets its own. */
  maxTokens: number;
}

/**
 * Consecutive runs of `rows` (in the order given) as micro-batches: a run grows while its padded size, rows ×
 * (promptWidth + its longest response), stays within the limits.
 */
export function packRows(rows: number[], responseLengths: number[], limits: PackLimits): MicroBatch[] {
  const { promptWidth, maxRows, maxTokens } = limits;
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new Error(`packRows: maxRows must be an integer >= 1, got ${maxRows}`);
  if (!(maxTokens >= 1)) throw new Error(`packRows: maxTokens must be >= 1, got ${maxTokens}`);
  const out: MicroBatch[] = [];
  let cur: MicroBatch | null = null;
  for (const r of rows) {
    const len = responseLengths[r];
    if (len === undefined) throw new Error(`packRows: row ${r} has no response length`);
    const width = Math.max(1, len);
    if (cur) {
      const w = Math.max(cur.responseWidth, width);
      if (cur.rows.length < maxRows && (cur.rows.length + 1) * (promptWidth + w) <= maxTokens) {
        cur.rows.push(r);
        cur.responseWidth = w;
        continue;
      }
    }
    cur = { rows: [r], responseWidth: width };
    out.push(cur);
  }
  return out;
}

/** Row indices 0..n−1 by response length, shortest first (ties by index): neighbours need similar widths. */
export function rowsByLength(responseLengths: number[]): number[] {
  return responseLengths.map((_, i) => i).sort((a, b) => responseLengths[a]! - responseLengths[b]! || a - b);
}

/** A micro-batch's rows of a [B, P + T] (or [B, T] with promptWidth 0) tensor, cut to promptWidth + responseWidth columns. */
export function microRows<T extends tf.Tensor2D>(x: T, mb: MicroBatch, promptWidth: number): T {
  return tf.tidy(() => {
    const rows = tf.gather(x, tf.tensor1d(mb.rows, 'int32'));
    const width = promptWidth + mb.responseWidth;
    return (width === x.shape[1] ? rows : tf.slice(rows, [0, 0], [mb.rows.length, width])) as T;
  });
}

/**
 * Log-probs [B, T] without gradient, micro-batch by micro-batch: rows sorted by length (a row's log-probs do not
 * depend on which rows share its pass), each micro-batch cut to its longest response; padding reports 0.
 */
export async function scoreByLength(
  policy: Policy,
  batch: { ids: tf.Tensor2D; attentionMask: tf.Tensor2D; responseLength: number },
  responseLengths: number[],
  limits: Omit<PackLimits, 'promptWidth'>,
  temperature: number,
): Promise<tf.Tensor2D> {
  const [B, W] = batch.ids.shape;
  const T = batch.responseLength;
  const P = W - T;
  const mbs = packRows(rowsByLength(responseLengths), responseLengths, { ...limits, promptWidth: P });
  const parts: tf.Tensor2D[] = [];
  for (const mb of mbs) {
    parts.push(
      tf.tidy(() => {
        const lp = policy.scoreResponses({
          ids: microRows(batch.ids, mb, P),
          attentionMask: microRows(batch.attentionMask, mb, P),
          responseLength: mb.responseWidth,
          temperature,
        }).logProbs;
        return (mb.responseWidth === T ? lp : tf.pad(lp, [[0, 0], [0, T - mb.responseWidth]])) as tf.Tensor2D;
      }),
    );
  }
  const order = mbs.flatMap((mb) => mb.rows); // row of each output position
  const inverse = new Array<number>(B);
  order.forEach((r, pos) => (inverse[r] = pos));
  const out = tf.tidy(() => tf.gather(parts.length === 1 ? parts[0]! : tf.concat(parts, 0), tf.tensor1d(inverse, 'int32')) as tf.Tensor2D);
  tf.dispose(parts);
  return out;
}
