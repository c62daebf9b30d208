// The PPO update of one step: for each epoch, the rows shuffled into mini-batches; each mini-batch one optimizer
// step, its gradient accumulated over micro-batches (policy loss − entropy bonus + KL loss).
import * as tf from '@tensorflow/tfjs';
import { aggLoss, klPenalty, stopGradient, type PolicyLoss } from '../algos/index.js';
import type { TrainConfig } from '../config/schema.js';
import type { Policy } from '../model/policy.js';
import { makeRng, shuffleInPlace } from '../data/rng.js';
import { accumulateClipStep } from './grad_step.js';
import type { Metrics } from './metrics_log.js';
import { microRows, splitByLength } from './micro_batches.js';
import type { AdamW } from './optimizer.js';

/** What the update needs of a policy. */
export type TrainablePolicy = Pick<Policy, 'trainableVariables' | 'scoreResponses'>;

/** The step's rollouts as tensors: B rows, prompts left-padded to P columns, responses right-padded to T. */
export interface PpoBatch {
  /** [B, P + T] */
  ids: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  /** [B, T] */
  responseMask: tf.Tensor2D;
  /**
   * null when the update is on-policy (one epoch, one mini-batch: the weights that sampled are the ones being
   * differentiated): the current log-probs, detached, are the old ones, as in TRL and verl's actor, and the
   * trainer skips the separate old-log-prob pass. The ratio is then exactly 1.
   */
  oldLogProb: tf.Tensor2D | null;
  refLogProb: tf.Tensor2D | null;
  advantages: tf.Tensor2D;
  /** Response tokens of each row: a micro-batch is cut to its longest. */
  responseLengths: number[];
  /** Valid (response-mask) tokens of each row: a mini-batch's loss is normalised by their sum. */
  rowTokens: number[];
}

export interface PpoUpdateOptions {
  /** Loss terms, clip ranges, aggregation, epochs, micro_batch_size, grad_clip. */
  actor: TrainConfig['actor'];
  policyLoss: PolicyLoss;
  /** Rows per mini-batch (ppo_mini_batch_size prompts × n). */
  miniBatchRows: number;
  /** Padded tokens per micro-batch (actor.max_tokens_per_micro_batch, resolved for the backend). */
  maxTokens: number;
  /** What one more forward/backward pass costs, in tokens (micro_batch_budget.ts). */
  passOverheadTokens: number;
  temperature: number;
  lr: number;
  /** Seed of epoch e's row order. */
  shuffleSeed: (epoch: number) => number;
  log: (msg: string) => void;
}

/** Updates the policy in place; returns the actor/* metrics, each averaged over the mini-batches. */
export async function ppoUpdate(policy: TrainablePolicy, optimizer: Pick<AdamW, 'step'>, batch: PpoBatch, o: PpoUpdateOptions): Promise<Metrics> {
  const B = batch.responseLengths.length;
  const T = batch.responseMask.shape[1];
  const P = batch.ids.shape[1] - T;
  const limits = { maxRows: o.actor.micro_batch_size, maxTokens: o.maxTokens, passOverheadTokens: o.passOverheadTokens, promptWidth: P };
  const acc: Record<string, number[]> = {};
  const push = (k: string, v: number) => (acc[k] ??= []).push(v);
  for (let epoch = 0; epoch < o.actor.ppo_epochs; epoch++) {
    const order = shuffledRows(B, o.shuffleSeed(epoch));
    for (let s = 0; s < order.length; s += o.miniBatchRows) {
      const mini = order.slice(s, s + o.miniBatchRows);
      const global = {
        globalTokens: mini.reduce((a, r) => a + batch.rowTokens[r]!, 0),
        globalSeqs: mini.filter((r) => batch.rowTokens[r]! > 0).length,
      };
      // Within a mini-batch the micro-batches' metric shares add up (see microBatchGrads).
      const miniMetrics: Metrics = {};
      // The mini-batch's gradient is a sum over its rows, so its micro-batches group rows of similar lengths.
      const parts = splitByLength(mini, batch.responseLengths, limits);
      const { norm, applied } = await accumulateClipStep(parts, async (mb) => {
        const { grads, metrics } = await microBatchGrads(policy, {
          ids: microRows(batch.ids, mb, P),
          attentionMask: microRows(batch.attentionMask, mb, P),
          responseMask: microRows(batch.responseMask, mb, 0),
          oldLogProb: batch.oldLogProb ? microRows(batch.oldLogProb, mb, 0) : null,
          refLogProb: batch.refLogProb ? microRows(batch.refLogProb, mb, 0) : null,
          advantages: microRows(batch.advantages, mb, 0),
          T: mb.responseWidth,
          lossScaleFactor: T,
          temperature: o.temperature,
          ...global,
        }, o.actor, o.policyLoss);
        for (const [k, v] of Object.entries(metrics)) miniMetrics[k] = (miniMetrics[k] ?? 0) + v;
        return grads;
      }, { optimizer, lr: o.lr, maxNorm: o.actor.grad_clip });
      for (const [k, v] of Object.entries(miniMetrics)) push(k, v);
      push('actor/grad_norm', norm);
      if (!applied) o.log('non-finite gradient norm; update skipped');
    }
  }
  const m: Metrics = {};
  for (const [k, v] of Object.entries(acc)) m[k] = v.reduce((a, b) => a + b, 0) / v.length;
  if (o.actor.use_kl_loss && batch.refLogProb) m['actor/kl_coef'] = o.actor.kl_loss_coef;
  return m;
}

/** The rows of one micro-batch (the batch's tensors, cut to its rows and its longest response). */
interface MicroBatchTensors extends Pick<PpoBatch, 'ids' | 'attentionMask' | 'responseMask' | 'oldLogProb' | 'refLogProb' | 'advantages'> {
  /** Response columns of this micro-batch (its longest response). */
  T: number;
  /** seq-mean-token-sum-norm divisor: the whole batch's response width, whatever this micro-batch was cut to. */
  lossScaleFactor: number;
  temperature: number;
  /** Valid tokens, and sequences with one, of the whole mini-batch: token-mean and seq-mean divide by these. */
  globalTokens: number;
  globalSeqs: number;
}

/**
 * Loss = pg_loss − entropy_coeff·entropy + kl_loss_coef·kl, normalised by the mini-batch's counts, so the
 * micro-batches' losses (and gradients) sum to the mini-batch's (verl's engine). Returns the gradients and this
 * micro-batch's share of each metric: the shares of a mini-batch add up to its value. Disposes the inputs.
 */
async function microBatchGrads(
  policy: TrainablePolicy,
  mb: MicroBatchTensors,
  a: TrainConfig['actor'],
  policyLoss: PolicyLoss,
): Promise<{ grads: tf.Tensor[]; metrics: Metrics }> {
  const kept: Record<string, tf.Scalar> = {};
  const vars = policy.trainableVariables;
  const { value, grads } = tf.variableGrads(() => {
    const out = policy.scoreResponses({
      ids: mb.ids,
      attentionMask: mb.attentionMask,
      responseLength: mb.T,
      temperature: mb.temperature,
      withEntropy: true,
    });
    const pl = policyLoss({
      oldLogProb: mb.oldLogProb ?? stopGradient(out.logProbs),
      logProb: out.logProbs,
      advantages: mb.advantages,
      responseMask: mb.responseMask,
      clipRatio: a.clip_ratio,
      clipRatioLow: a.clip_ratio_low ?? undefined,
      clipRatioHigh: a.clip_ratio_high ?? undefined,
      clipRatioC: a.clip_ratio_c,
      lossAggMode: a.loss_agg_mode,
      lossScaleFactor: mb.lossScaleFactor,
      globalTokens: mb.globalTokens,
      globalSeqs: mb.globalSeqs,
    });
    // Metrics leave the tape as tensors and are read once, after the backward pass (no sync inside it).
    kept['actor/pg_loss'] = tf.keep(pl.loss);
    kept['actor/pg_clipfrac'] = tf.keep(pl.metrics.pg_clipfrac);
    kept['actor/ppo_kl'] = tf.keep(pl.metrics.ppo_kl);
    kept['actor/pg_clipfrac_lower'] = tf.keep(pl.metrics.pg_clipfrac_lower);
    const agg = { lossScaleFactor: mb.lossScaleFactor, globalTokens: mb.globalTokens, globalSeqs: mb.globalSeqs };
    const entropy = aggLoss(out.entropy!, mb.responseMask, a.loss_agg_mode, agg);
    kept['actor/entropy'] = tf.keep(aggLoss(out.entropy!, mb.responseMask, 'token-mean', agg));
    let loss: tf.Tensor = pl.loss;
    if (a.entropy_coeff !== 0) loss = loss.sub(entropy.mul(a.entropy_coeff));
    if (a.use_kl_loss && mb.refLogProb) {
      const kl = aggLoss(klPenalty(out.logProbs, mb.refLogProb, a.kl_loss_type), mb.responseMask, a.loss_agg_mode, agg);
      kept['actor/kl_loss'] = tf.keep(kl);
      loss = loss.add(kl.mul(a.kl_loss_coef));
    }
    return loss as tf.Scalar;
  }, vars);
  const metrics: Metrics = {};
  for (const [k, t] of Object.entries(kept)) metrics[k] = (await t.data())[0]!;
  tf.dispose([value, ...Object.values(kept), mb.ids, mb.attentionMask, mb.responseMask, mb.advantages]);
  mb.oldLogProb?.dispose();
  if (mb.refLogProb) mb.refLogProb.dispose();
  return { grads: vars.map((v) => grads[v.name]!), metrics };
}

/** Seeded permutation of row indices. */
function shuffledRows(n: number, seed: number): number[] {
  return shuffleInPlace(makeRng(seed), Array.from({ length: n }, (_, i) => i));
}
