// One optimizer step from gradients accumulated over micro-batches: the path shared by the PPO update and SFT.
// Each part's loss is already normalised by the whole batch's counts, so the parts' gradients sum to the batch's.
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm, type AdamW } from './optimizer.js';

export interface GradStepOptions {
  optimizer: Pick<AdamW, 'step'>;
  lr: number;
  /** Clip the summed gradient to this global L2 norm. */
  maxNorm: number;
}

export interface GradStepResult {
  /** Global norm of the summed gradient, before clipping. */
  norm: number;
  /** False when the norm was not finite: the optimizer step was skipped. */
  applied: boolean;
}

/**
 * Sums `gradsOf(part)` over `parts` (in order; each call's gradients are consumed), clips the sum by global norm
 * and takes one optimizer step with it, unless its norm is not finite.
 */
export async function accumulateClipStep<P>(
  parts: readonly P[],
  gradsOf: (part: P) => Promise<tf.Tensor[]>,
  opts: GradStepOptions,
): Promise<GradStepResult> {
  if (parts.length === 0) throw new Error('accumulateClipStep: no micro-batches');
  let sum: tf.Tensor[] | null = null;
  for (const part of parts) {
    const grads = await gradsOf(part);
    if (sum === null) sum = grads;
    else {
      const prev: tf.Tensor[] = sum;
      sum = prev.map((g, i) => tf.tidy(() => g.add(grads[i]!)));
      tf.dispose([...prev, ...grads]);
    }
  }
  const { grads, norm } = await clipByGlobalNorm(sum!, opts.maxNorm);
  const applied = Number.isFinite(norm);
  if (applied) opts.optimizer.step(grads, opts.lr);
  new Set([...grads, ...sum!]).forEach((g) => g.dispose());
  return { norm, applied };
}
