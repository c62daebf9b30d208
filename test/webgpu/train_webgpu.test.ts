// `rl train --backend webgpu` end to end on whatever adapter exists (lavapipe in CI): SFT warm-start, sampling,
// sandbox scoring, KL in the reward and as a loss, reinforce_plus_plus_baseline advantages (whitening), the PPO
// update, validation and checkpoints all run with GPU tensors, whose reads must all be asynchronous in Node.
// Also: the first SFT losses on webgpu equal those on wasm for the same seed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveWebgpu } from './harness.js';

const ok = await haveWebgpu();

const ROOT = path.resolve(__dirname, '../..');
const RL = path.join(ROOT, 'bin', 'rl.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-train-webgpu-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A small model and batch; 2 prompts × 8 samples make id tensors above webgpu's CPU hand-off size, so slices
 * and gathers of the batch really run on the GPU (their results cannot be read synchronously). */
const MODEL = ['model.tiny.hidden_size=32', 'model.tiny.num_hidden_layers=1', 'model.tiny.num_attention_heads=4', 'model.tiny.intermediate_size=64'];
const RUN = [
  ...MODEL,
  'data.train_batch_size=2',
  'data.max_response_length=16',
  'rollout.n=8',
  'actor.ppo_mini_batch_size=2',
  'actor.micro_batch_size=16',
  // Random text holds no code: every score would be 0. Penalising truncation (-1) against finished responses (0)
  // gives non-zero advantages; the entropy bonus and the KL loss move the weights regardless.
  'reward.overlong=penalize',
  'reward.overlong_penalty=-1',
  'actor.entropy_coeff=0.01',
  'actor.use_kl_loss=true',
  'algorithm.use_kl_in_reward=true',
  'algorithm.adv_estimator=reinforce_plus_plus_baseline',
  'trainer.val_max_problems=2',
  'trainer.val_n=2',
  'trainer.progress=lines',
  'sandbox.provider=local',
];

function rl(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [RL, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}${r.error ? `\n${r.error.message}` : ''}` };
}

/** "sft step k/N: loss X" lines → [X, ...]. */
function sftLosses(out: string): number[] {
  return [...out.matchAll(/sft step \d+\/\d+: loss ([-\d.]+)/g)].map((m) => Number(m[1]));
}

describe.skipIf(!ok)('rl train --backend webgpu', () => {
  let webgpuOut = '';

  it('runs SFT, 2 RL steps, validation and a checkpoint with finite losses and gradients', () => {
    const out = path.join(tmp, 'run');
    const r = rl(['train', '--config', 'configs/demo.yaml', '--backend', 'webgpu', '--steps', '2', 'sft.steps=2', ...RUN, '--out', out]);
    webgpuOut = r.out;
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/backend: webgpu/);

    const metrics = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, number>);
    const steps = metrics.filter((m) => m['actor/pg_loss'] !== undefined);
    expect(steps.map((m) => m.step)).toEqual([1, 2]);
    for (const m of steps) {
      for (const k of ['actor/pg_loss', 'actor/grad_norm', 'actor/entropy', 'actor/kl_loss', 'actor/reward_kl_penalty', 'critic/advantages/mean']) {
        expect(Number.isFinite(m[k]), `step ${m.step} ${k} = ${m[k]}`).toBe(true);
      }
      expect(m['actor/grad_norm']).toBeGreaterThan(0);
    }
    // Some responses were truncated and some not, so the whitened advantages really vary.
    expect(steps.some((m) => m['critic/advantages/max']! > m['critic/advantages/min']!)).toBe(true);
    // Validation before and after training.
    expect(metrics.filter((m) => m['val/pass@1'] !== undefined).map((m) => m.step)).toEqual([0, 2]);

    expect(fs.statSync(path.join(out, 'sft', 'model.safetensors')).size).toBeGreaterThan(0);
    const ckpt = path.join(out, 'checkpoints', 'step_000002');
    expect(fs.statSync(path.join(ckpt, 'model', 'model.safetensors')).size).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(ckpt, 'model', 'config.json'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'done.json'))).toBe(true);
  });

  it('the first SFT steps give the same loss on webgpu as on wasm (same seed, 1e-3 relative)', () => {
    const gpu = sftLosses(webgpuOut);
    expect(gpu.length, webgpuOut).toBe(2);
    const r = rl(['sft', '--config', 'configs/demo.yaml', '--backend', 'wasm', 'sft.steps=2', ...MODEL, '--out', path.join(tmp, 'sft-wasm')]);
    expect(r.code, r.out).toBe(0);
    const cpu = sftLosses(r.out);
    expect(cpu.length, r.out).toBe(2);
    // Step 1 compares the forward pass; step 2 also the first update (gradients + AdamW).
    gpu.forEach((g, i) => expect(Math.abs(g - cpu[i]!) / Math.abs(cpu[i]!), `step ${i + 1}: ${g} vs ${cpu[i]}`).toBeLessThan(1e-3));
  });
});
