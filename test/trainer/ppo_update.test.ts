// ppoUpdate on its own, on a toy bigram policy (the log-prob of a token depends only on the token before it):
// a hand-checked update, the clipping statistics, micro-batching that changes nothing, and the policy loss
// looked up by name through the real step.
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { computePolicyLossTensors, registerPolicyLoss, type PolicyLoss } from '../../src/algos/index.js';
import { selectBackend } from '../../src/backend/select.js';
import { validateConfig } from '../../src/config/load.js';
import { ActorSchema, type TrainConfig } from '../../src/config/schema.js';
import { ppoUpdate, type PpoBatch, type PpoUpdateOptions, type TrainablePolicy } from '../../src/trainer/ppo_update.js';
import { train } from '../../src/trainer/train.js';
import { makeRng } from '../../src/data/rng.js';
import { readMetrics, tmpDir } from './helpers.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** logits of the next token = table[previous token] / temperature. */
function bigramPolicy(table: number[][]): TrainablePolicy & { table: tf.Variable } {
  const V = table.length;
  const t = tf.variable(tf.tensor2d(table));
  return {
    table: t,
    trainableVariables: [t],
    scoreResponses({ ids, responseLength: T, temperature = 1, withEntropy }) {
      return tf.tidy(() => {
        const [B, W] = ids.shape;
        const prev = tf.slice(ids, [0, W - T - 1], [B, T]);
        const next = tf.slice(ids, [0, W - T], [B, T]);
        const logp = tf.logSoftmax(tf.reshape(tf.gather(t, tf.reshape(prev, [-1])), [B, T, V]).div(temperature));
        const logProbs = tf.sum(tf.mul(logp, tf.oneHot(tf.cast(next, 'int32'), V)), -1) as tf.Tensor2D;
        const entropy = withEntropy ? (tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor2D) : undefined;
        return { logProbs, entropy };
      });
    },
  };
}

/** Plain SGD: p ← p − lr·g, so the weights after a step show the (clipped) gradient itself. */
function sgd(policy: TrainablePolicy) {
  return { step: (grads: tf.Tensor[], lr: number) => policy.trainableVariables.forEach((v, i) => v.assign(tf.tidy(() => v.sub(grads[i]!.mul(lr))))) };
}

function actor(over: Record<string, unknown> = {}): TrainConfig['actor'] {
  return ActorSchema.parse({ grad_clip: 1e9, ...over });
}

interface Rows {
  prompts: number[][];
  responses: number[][];
  /** Per row: old log-prob = current log-prob − log(ratio) for every token. */
  ratio?: number[];
  oldNoise?: number[][];
  advantages: number[];
}

/** Left-padded prompts, right-padded responses (pad id 0), as padRollouts lays them out. */
function makeBatch(policy: TrainablePolicy, rows: Rows, withRef = false): PpoBatch {
  const P = Math.max(...rows.prompts.map((p) => p.length));
  const T = Math.max(...rows.responses.map((r) => r.length));
  const ids = rows.prompts.map((p, i) => [...Array(P - p.length).fill(0), ...p, ...rows.responses[i]!, ...Array(T - rows.responses[i]!.length).fill(0)]);
  const att = rows.prompts.map((p, i) => [...Array(P - p.length).fill(0), ...Array(p.length + rows.responses[i]!.length).fill(1), ...Array(T - rows.responses[i]!.length).fill(0)]);
  const mask = rows.responses.map((r) => Array.from({ length: T }, (_, t): number => (t < r.length ? 1 : 0)));
  const idsT = tf.tensor2d(ids, undefined, 'int32');
  const attT = tf.tensor2d(att);
  const logp = policy.scoreResponses({ ids: idsT, attentionMask: attT, responseLength: T }).logProbs;
  const shift = rows.responses.map((_, i) => Array.from({ length: T }, (_, t) => Math.log(rows.ratio?.[i] ?? 1) - (rows.oldNoise?.[i]?.[t] ?? 0)));
  const old = tf.tidy(() => logp.sub(tf.tensor2d(shift)) as tf.Tensor2D);
  const ref = withRef ? tf.tidy(() => logp.add(tf.randomUniform(logp.shape, -0.3, 0.3, 'float32', 7)) as tf.Tensor2D) : null;
  logp.dispose();
  return {
    ids: idsT,
    attentionMask: attT,
    responseMask: tf.tensor2d(mask),
    oldLogProb: old,
    refLogProb: ref,
    advantages: tf.tensor2d(mask.map((m, i) => m.map((x) => x * rows.advantages[i]!))),
    responseLengths: rows.responses.map((r) => r.length),
    rowTokens: mask.map((m) => m.reduce((a, b) => a + b, 0)),
  };
}

function options(a: TrainConfig['actor'], over: Partial<PpoUpdateOptions> = {}): PpoUpdateOptions {
  return { actor: a, policyLoss: computePolicyLossTensors, miniBatchRows: 64, maxTokens: 1e9, passOverheadTokens: 1e9, temperature: 1, lr: 1, shuffleSeed: (e) => 100 + e, log: () => {}, ...over };
}

const close = (got: number, want: number) => expect(got).toBeCloseTo(want, 6);

describe('ppoUpdate: hand-checked cases', () => {
  it('one token, ratio 1, A = 1: the gradient of −A·ratio is −(onehot − p), SGD moves table[prev] by it', async () => {
    const policy = bigramPolicy([[0, 0], [0, 0]]);
    const batch = makeBatch(policy, { prompts: [[0]], responses: [[1]], advantages: [1] });
    const m = await ppoUpdate(policy, sgd(policy), batch, options(actor()));
    // p = (½, ½); ∂(−log p₁)/∂logits = p − onehot(1) = (½, −½); lr 1.
    expect(Array.from(policy.table.dataSync())).toEqual([-0.5, 0.5, 0, 0]);
    close(m['actor/pg_loss']!, -1);
    close(m['actor/grad_norm']!, Math.SQRT1_2);
    close(m['actor/entropy']!, Math.LN2);
    expect(m['actor/pg_clipfrac']).toBe(0);
    expect(m['actor/ppo_kl']).toBe(0);
  });

  it('clipping statistics: the clipped and dual-clipped tokens count, and carry no gradient', async () => {
    for (const micro of [64, 1]) {
      const policy = bigramPolicy([[0, 0], [0, 0]]);
      // ratio 1 A>0 (unclipped); 1.5 A>0 (clipped at 1.2); 4 A<0 (dual clip at 3); 0.5 A<0 (clipped at 0.8).
      const batch = makeBatch(policy, { prompts: [[0], [0], [0], [0]], responses: [[1], [1], [0], [0]], ratio: [1, 1.5, 4, 0.5], advantages: [1, 1, -1, -1] });
      const m = await ppoUpdate(policy, sgd(policy), batch, options(actor({ micro_batch_size: micro })));
      close(m['actor/pg_clipfrac']!, 2 / 4);
      close(m['actor/pg_clipfrac_lower']!, 1 / 4);
      close(m['actor/pg_loss']!, (-1 - 1.2 + 3 + 0.8) / 4);
      close(m['actor/ppo_kl']!, (0 - Math.log(1.5) - Math.log(4) + Math.log(2)) / 4);
      // Only the first row's term is differentiable: ¼ · (p − onehot(1)).
      const w = Array.from(policy.table.dataSync());
      [-0.125, 0.125, 0, 0].forEach((x, i) => close(w[i]!, x));
    }
  });
});

describe('ppoUpdate: micro-batching does not change the update', () => {
  const V = 5;
  const r = makeRng(11);
  const table = Array.from({ length: V }, () => Array.from({ length: V }, () => (r() - 0.5) * 2));
  const B = 10;
  const rows: Rows = {
    prompts: Array.from({ length: B }, () => Array.from({ length: 1 + Math.floor(r() * 3) }, () => Math.floor(r() * V))),
    responses: Array.from({ length: B }, () => Array.from({ length: 1 + Math.floor(r() * 6) }, () => Math.floor(r() * V))),
    oldNoise: Array.from({ length: B }, () => Array.from({ length: 6 }, () => (r() - 0.5) * 0.8)),
    advantages: Array.from({ length: B }, () => (r() - 0.5) * 4),
  };
  const splits = [
    { micro_batch_size: 64, maxTokens: 1e9, passOverheadTokens: 1e9 },
    { micro_batch_size: 3, maxTokens: 1e9, passOverheadTokens: 1e9 },
    // No cost per pass: rows of equal widths together, one pass per width.
    { micro_batch_size: 64, maxTokens: 1e9, passOverheadTokens: 0 },
    // A token cap below one row's width: every row its own micro-batch.
    { micro_batch_size: 64, maxTokens: 1, passOverheadTokens: 1e9 },
  ];

  it.each(['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum', 'seq-mean-token-sum-norm'])('%s: the weights and metrics after two epochs of mini-batches agree within 1e-6', async (mode) => {
    const runs: { w: Float32Array; m: Record<string, number> }[] = [];
    for (const s of splits) {
      const policy = bigramPolicy(table);
      const batch = makeBatch(policy, rows, true);
      const a = actor({ micro_batch_size: s.micro_batch_size, loss_agg_mode: mode, ppo_epochs: 2, entropy_coeff: 0.01, use_kl_loss: true, kl_loss_coef: 0.1 });
      const m = await ppoUpdate(policy, sgd(policy), batch, options(a, { maxTokens: s.maxTokens, passOverheadTokens: s.passOverheadTokens, miniBatchRows: 4, lr: 0.5 }));
      runs.push({ w: policy.table.dataSync() as Float32Array, m });
    }
    const [a, ...rest] = runs;
    expect(a!.m['actor/pg_clipfrac']).toBeGreaterThan(0);
    expect(a!.m['actor/grad_norm']).toBeGreaterThan(1e-3);
    for (const b of rest) {
      let maxDiff = 0;
      a!.w.forEach((x, i) => (maxDiff = Math.max(maxDiff, Math.abs(x - b.w[i]!))));
      expect(maxDiff).toBeLessThan(1e-6);
      expect(Object.keys(b.m).sort()).toEqual(Object.keys(a!.m).sort());
      for (const [k, v] of Object.entries(a!.m)) expect(Math.abs(b.m[k]! - v), k).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v)));
    }
  });
});

describe('ppoUpdate on-policy (oldLogProb null: the detached current log-probs are the old ones)', () => {
  it('gives the update and metrics of passing the same weights\' log-probs explicitly, with micro-batches', async () => {
    const V = 4;
    const r = makeRng(5);
    const table = Array.from({ length: V }, () => Array.from({ length: V }, () => (r() - 0.5) * 2));
    const rows: Rows = {
      prompts: [[1], [2, 3], [0], [3, 1, 2]],
      responses: [[2, 1, 3], [0], [1, 1], [3, 2, 2, 0]],
      advantages: [1.5, -0.5, 0.25, -1],
    };
    const runs: { w: Float32Array; m: Record<string, number> }[] = [];
    for (const onPolicy of [false, true]) {
      const policy = bigramPolicy(table);
      const batch = makeBatch(policy, rows, true);
      if (onPolicy) {
        batch.oldLogProb!.dispose();
        batch.oldLogProb = null;
      }
      const a = actor({ micro_batch_size: 2, entropy_coeff: 0.01, use_kl_loss: true, kl_loss_coef: 0.1 });
      const m = await ppoUpdate(policy, sgd(policy), batch, options(a, { lr: 0.5 }));
      runs.push({ w: policy.table.dataSync() as Float32Array, m });
    }
    const [explicit, onPolicy] = runs;
    explicit!.w.forEach((x, i) => expect(Math.abs(x - onPolicy!.w[i]!)).toBeLessThan(1e-6));
    expect(Math.abs(onPolicy!.w[0]! - table[0]![0]!) + Math.abs(onPolicy!.w[5]! - table[1]![1]!)).toBeGreaterThan(1e-4);
    for (const [k, v] of Object.entries(explicit!.m)) expect(Math.abs(onPolicy!.m[k]! - v), k).toBeLessThanOrEqual(1e-6);
    expect(onPolicy!.m['actor/ppo_kl']).toBe(0);
    expect(onPolicy!.m['actor/pg_clipfrac']).toBe(0);
  });
});

describe('the trainer looks actor.policy_loss up in the registry', () => {
  it('a loss registered by name (here: vanilla with a marked clip fraction) is the one the step uses', async () => {
    let calls = 0;
    const marked: PolicyLoss = (args) => {
      calls++;
      const out = computePolicyLossTensors(args);
      out.metrics.pg_clipfrac.dispose();
      return { ...out, metrics: { ...out.metrics, pg_clipfrac: tf.scalar(0.375) } };
    };
    registerPolicyLoss('test_marked', marked);
    const out = tmpDir('rl-policy-loss-');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await train(validateConfig({
        model: { tiny: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 } },
        data: { train_batch_size: 2, max_response_length: 12 },
        rollout: { n: 4 },
        // One mini-batch of one micro-batch: the step's clip fraction is the loss's own.
        actor: { ppo_mini_batch_size: 2, policy_loss: 'test_marked' },
        sft: { steps: 0 },
        reward: { overlong: 'penalize', overlong_penalty: -1 },
        trainer: { total_steps: 1, backend: 'cpu', progress: 'none', test_freq: 0, save_freq: 0, out_dir: out },
        sandbox: { provider: 'local' },
      }), () => {});
    } finally {
      stderr.mockRestore();
    }
    const m = readMetrics(out).find((x) => x.step === 1 && 'actor/pg_loss' in x)!;
    expect(calls).toBe(1);
    expect(m['actor/pg_clipfrac']).toBe(0.375);
    fs.rmSync(out, { recursive: true, force: true });
  });
});
