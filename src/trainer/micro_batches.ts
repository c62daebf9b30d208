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
  /** What one more pass costs beyond its tokens, in tokens (micro_batch_budget.ts, per backend). */
  passOverheadTokens: number;
}

/**
 * `rows` as micro-batches for passes whose sum does not depend on the grouping (accumulated gradients, per-row
 * log-probs): sorted by length, then cut into runs of neighbours that minimise the estimated work, Σ over
 * micro-batches of rows × (promptWidth + longest response) + passOverheadTokens, within the limits. One pass
 * over a shuffled mini-batch computed every row to the longest response: in a 64-row RL step with responses of
 * 36 tokens on average and 128 at most, that was half padding.
 */
export function splitByLength(rows: number[], responseLengths: number[], limits: PackLimits): MicroBatch[] {
  const { promptWidth, maxRows, maxTokens, passOverheadTokens } = limits;
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new Error(`splitByLength: maxRows must be an integer >= 1, got ${maxRows}`);
  if (!(maxTokens >= 1)) throw new Error(`splitByLength: maxTokens must be >= 1, got ${maxTokens}`);
  if (!(passOverheadTokens >= 0)) throw new Error(`splitByLength: passOverheadTokens must be >= 0, got ${passOverheadTokens}`);
  const width = (r: number) => {
    const len = responseLengths[r];
    if (len === undefined) throw new Error(`splitByLength: row ${r} has no response length`);
    return Math.max(1, len);
  };
  const sorted = [...rows].sort((a, b) => width(a) - width(b) || a - b);
  const n = sorted.length;
  // best[j]: least work for the first j rows; cut[j]: where its last micro-batch starts.
  const best = new Float64Array(n + 1).fill(Infinity);
  const cut = new Int32Array(n + 1);
  best[0] = 0;
  for (let j = 1; j <= n; j++) {
    const padded = promptWidth + width(sorted[j - 1]!); // the longest row of any run ending at j
    for (let i = j - 1; i >= Math.max(0, j - maxRows); i--) {
      const count = j - i;
      if (count > 1 && count * padded > maxTokens) break;
      const work = best[i]! + count * padded + passOverheadTokens;
      if (work <= best[j]!) { // ties: the fewer, larger passes
        best[j] = work;
        cut[j] = i;
      }
    }
  }
  const out: MicroBatch[] = [];
  for (let j = n; j > 0; j = cut[j]!) out.unshift({ rows: sorted.slice(cut[j]!, j), responseWidth: width(sorted[j - 1]!) });
  return out;
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
  const mbs = splitByLength(responseLengths.map((_, i) => i), responseLengths, { ...limits, promptWidth: P });
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
