// The PPO update through the real step (train(), in-process, tiny char policy): micro-batching must not change
// the gradient (R4), and a step with no valid response token is skipped with a logged reason, not a crash (R5).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { readSafetensors } from '../../src/model/safetensors.js';
import { train } from '../../src/trainer/train.js';
import { readMetrics, tmpDir } from './helpers.js';

function tinyRun(overrides: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const base: Record<string, Record<string, unknown>> = {
    model: { tiny: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 } },
    data: { train_batch_size: 2, max_response_length: 12 },
    rollout: { n: 4 },
    actor: { ppo_mini_batch_size: 2, entropy_coeff: 0.01 },
    sft: { steps: 0 },
    // Random text holds no code block: truncated responses scored −1, the others 0, give the loss a signal.
    reward: { overlong: 'penalize', overlong_penalty: -1 },
    trainer: { total_steps: 1, backend: 'cpu', progress: 'none', test_freq: 0, save_freq: 0 },
    sandbox: { provider: 'local' },
  };
  for (const [k, v] of Object.entries(overrides)) base[k] = { ...base[k], ...v };
  return base;
}

async function runOnce(raw: Record<string, Record<string, unknown>>): Promise<{ out: string; logs: string[]; metrics: Record<string, number> }> {
  const out = tmpDir('rl-update-');
  const logs: string[] = [];
  // Step messages go through the progress display (stderr).
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (logs.push(String(chunk)), true));
  try {
    await train(validateConfig({ ...raw, trainer: { ...raw.trainer, out_dir: out } }), (m) => logs.push(m));
  } finally {
    stderr.mockRestore();
  }
  return { out, logs, metrics: readMetrics(out).find((m) => m.step === 1 && 'critic/score/mean' in m)! };
}

function weightsAfter(out: string): Map<string, Float32Array> {
  const t = readSafetensors(path.join(out, 'checkpoints', 'step_000001', 'model', 'model.safetensors'));
  return new Map([...t].map(([k, v]) => [k, v.data]));
}

describe('micro-batching does not change the update', () => {
  // AdamW with an eps far above every |g| makes the step ≈ −lr·g/eps (plain Adam's first step is ≈ −lr·sign(g),
  // which would hide a rescaled gradient), so the weights after one step compare the accumulated gradients.
  const optim = { lr: 1, eps: 1, weight_decay: 0 };
  const whole = { micro_batch_size: 64, max_tokens_per_micro_batch: 16384 };
  const byRows = { micro_batch_size: 3, max_tokens_per_micro_batch: 16384 };
  // A token cap below one row's width: every row its own micro-batch.
  const byTokens = { micro_batch_size: 64, max_tokens_per_micro_batch: 1 };

  it.each(['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum', 'seq-mean-token-sum-norm'])('%s: one pass, micro-batches of 3 rows, or of one row (token cap) give the same weights and metrics', async (mode) => {
    const runs = [];
    for (const mb of [whole, byRows, byTokens]) {
      runs.push(await runOnce(tinyRun({ actor: { ...mb, loss_agg_mode: mode, grad_clip: 1e9, optim } })));
    }
    const a = runs[0]!;
    for (const b of runs.slice(1)) expectSameUpdate(a, b);
    for (const r of runs) fs.rmSync(r.out, { recursive: true, force: true });
  });
});

function expectSameUpdate(a: Awaited<ReturnType<typeof runOnce>>, b: Awaited<ReturnType<typeof runOnce>>): void {
  // The same rollouts, with responses of different lengths (so rows and tokens weigh differently).
  expect(b.metrics['response_length/mean']).toBe(a.metrics['response_length/mean']);
  expect(a.metrics['response_length/max']).toBeGreaterThan(a.metrics['response_length/min']!);
  const wa = weightsAfter(a.out);
  const wb = weightsAfter(b.out);
  let maxDiff = 0;
  for (const [name, x] of wa) {
    const y = wb.get(name)!;
    for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i]! - y[i]!));
  }
  expect(maxDiff).toBeLessThan(1e-6);
  expect(a.metrics['actor/grad_norm']).toBeGreaterThan(1e-4);
  for (const k of ['actor/grad_norm', 'actor/pg_loss', 'actor/entropy', 'actor/pg_clipfrac', 'actor/ppo_kl']) {
    expect(Math.abs(b.metrics[k]! - a.metrics[k]!), k).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a.metrics[k]!)));
  }
}

describe('a step with no valid response token', () => {
  it.each(['reinforce_plus_plus_baseline', 'reinforce_plus_plus'])('%s with overlong: mask and every response truncated: the update is skipped and logged, the run goes on', async (est) => {
    const r = await runOnce(tinyRun({ algorithm: { adv_estimator: est }, data: { max_response_length: 2 }, reward: { overlong: 'mask' }, trainer: { total_steps: 2 } }));
    expect(r.metrics['response_length/clip_ratio']).toBe(1);
    expect(r.metrics['train/update_skipped']).toBe(1);
    expect(r.metrics).not.toHaveProperty(['actor/pg_loss']);
    expect(r.logs.join('\n')).toMatch(/step 1: 0 valid response tokens \(every kept response was truncated and overlong: mask drops them\), too few to learn from; no update/);
    expect(fs.existsSync(path.join(r.out, 'done.json'))).toBe(true);
    fs.rmSync(r.out, { recursive: true, force: true });
  });
});
