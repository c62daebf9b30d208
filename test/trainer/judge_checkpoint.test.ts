import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { judgeAll } from '../../src/trainer/judge.js';
import { loadLatestCheckpoint, saveCheckpoint } from '../../src/trainer/checkpoint.js';
import { AdamW, trainableByName } from '../../src/trainer/optimizer.js';
import { tinyCharPolicy } from '../../src/trainer/policy_factory.js';
import { validateConfig } from '../../src/config/load.js';
import { SandboxUnavailableError } from '../../sandbox/contract.js';
import type { JudgeRequest, JudgeResult, SandboxProvider } from '../../sandbox/contract.js';
import { tmpDir } from './helpers.js';

const cfg = validateConfig({ sandbox: { retries: 2, retry_delay_s: 0, concurrency: 2 } });
const code = '```python\nprint(1)\n```';
const tests = [{ type: 'stdio' as const, stdin: '', stdout: '1\n' }];
const prob = (t: typeof tests) => ({ id: 'p', dataSource: 'x', prompt: [{ role: 'user' as const, content: 'q' }], tests: t, language: 'python' as const });
const ok: JudgeResult = { cases: [{ verdict: 'pass', timeS: 0 }], passed: 1, total: 1, fraction: 1, allPassed: true };

function provider(judge: (req: JudgeRequest) => Promise<JudgeResult>): SandboxProvider {
  return { name: 'remote', judge, runCode: async () => { throw new Error('unused'); }, close: async () => {} };
}

describe('judgeAll', () => {
  it('retries a sandbox that is down, then succeeds', async () => {
    let calls = 0;
    const logs: string[] = [];
    const p = provider(async () => {
      if (++calls < 3) throw new SandboxUnavailableError('connection refused');
      return ok;
    });
    const r = await judgeAll(p, [code], [prob(tests)], cfg, (m) => logs.push(m));
    expect(r).toMatchObject([{ score: 1, allPassed: true, noCode: false, sandboxRetries: 2 }]);
    expect(calls).toBe(3);
    expect(logs.join('\n')).toMatch(/retry 1\/2.*\n.*retry 2\/2/);
  });

  it('fails the step with a clear message once retries are spent', async () => {
    const p = provider(async () => { throw new SandboxUnavailableError('docker daemon is not answering'); });
    await expect(judgeAll(p, [code], [prob(tests)], cfg, () => {})).rejects.toThrow(/docker daemon is not answering \(after 3 attempts over \d+\.\d s\)/);
  });

  it('does not send completions without a code block, and does not retry refused requests', async () => {
    let calls = 0;
    const p = provider(async () => { calls++; throw new Error('invalid request: tests.0.stdout'); });
    expect(await judgeAll(p, ['no code here'], [prob(tests)], cfg, () => {})).toMatchObject([{ score: 0, allPassed: false, noCode: true }]);
    expect(calls).toBe(0);
    await expect(judgeAll(p, [code], [prob(tests)], cfg, () => {})).rejects.toThrow(/invalid request/);
    expect(calls).toBe(1);
  });

  it('judges identical code for the same tests once, unless told not to', async () => {
    const seen: string[] = [];
    const p = provider(async (req) => {
      seen.push(req.code);
      return req.code.trim() === 'print(1)' ? ok : { ...ok, cases: [{ verdict: 'wrong_answer', timeS: 0 }], passed: 0, fraction: 0, allPassed: false };
    });
    const other = '```python\nprint(2)\n```';
    const otherTests = [{ type: 'stdio' as const, stdin: '', stdout: '2\n' }];
    const completions = [code, other, code, code, other];
    const testsOf = [tests, tests, tests, otherTests, otherTests].map(prob);
    // one Problem object per distinct tests list, as the trainer passes them
    testsOf[1] = testsOf[0]!; testsOf[2] = testsOf[0]!; testsOf[4] = testsOf[3]!;
    const r = await judgeAll(p, completions, testsOf, cfg, () => {});
    expect(r.map((j) => j.score)).toEqual([1, 0, 1, 1, 0]);
    expect(seen).toHaveLength(4); // (print(1), tests) runs once for rows 0 and 2
    seen.length = 0;
    const all = validateConfig({ reward: { judge_duplicates_once: false } });
    expect((await judgeAll(p, completions, testsOf, all, () => {})).map((j) => j.score)).toEqual([1, 0, 1, 1, 0]);
    expect(seen).toHaveLength(5);
  });
});

describe('checkpoints', () => {
  it('round-trip the policy and optimizer state, and a failed save leaves the previous checkpoint as latest', async () => {
    await tf.setBackend('cpu');
    const run = tmpDir('rl-ckpt-');
    const c = validateConfig({ model: { tiny: { hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 } } });
    const bundle = tinyCharPolicy(c);
    const opt = new AdamW(trainableByName(bundle.policy), { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    opt.step(bundle.policy.trainableVariables.map((v) => tf.onesLike(v)), 0.1);
    await saveCheckpoint(run, 1, { bundle, optimizer: opt, wallS: 12.5, keep: 3 });
    const broken = { ...bundle, save: async () => { throw new Error('disk full'); } };
    await expect(saveCheckpoint(run, 2, { bundle: broken, optimizer: opt, wallS: 20, keep: 3 })).rejects.toThrow(/disk full/);
    const ck = loadLatestCheckpoint(run)!;
    expect(ck.step).toBe(1);
    expect(ck.optimizerStep).toBe(1);
    expect(ck.wallS).toBe(12.5);
    const m = ck.optimizerState.get('model.embed_tokens.weight.exp_avg')!;
    expect(m[0]).toBeCloseTo(0.1, 6);
    expect(fs.readdirSync(path.join(run, 'checkpoints')).sort()).toEqual(['latest', 'step_000001']);
    expect(fs.existsSync(path.join(ck.modelDir, 'config.json'))).toBe(true);
    opt.dispose();
    await bundle.dispose();
  });

  it('keeps the newest trainer.max_actor_ckpt_to_keep checkpoints', async () => {
    await tf.setBackend('cpu');
    const run = tmpDir('rl-ckpt-');
    const c = validateConfig({ model: { tiny: { hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 } }, trainer: { max_actor_ckpt_to_keep: 2 } });
    const bundle = tinyCharPolicy(c);
    const opt = new AdamW(trainableByName(bundle.policy), { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    for (const step of [1, 2, 3]) await saveCheckpoint(run, step, { bundle, optimizer: opt, wallS: step, keep: c.trainer.max_actor_ckpt_to_keep });
    expect(fs.readdirSync(path.join(run, 'checkpoints')).sort()).toEqual(['latest', 'step_000002', 'step_000003']);
    opt.dispose();
    await bundle.dispose();
  });

  it('resume in a process that built other models first: optimizer state is found by Hugging Face name', async () => {
    await tf.setBackend('cpu');
    const run = tmpDir('rl-ckpt-');
    const c = validateConfig({ model: { tiny: { hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 } } });
    const saved = tinyCharPolicy(c);
    const opt = new AdamW(trainableByName(saved.policy), { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    opt.step(saved.policy.trainableVariables.map((v) => tf.onesLike(v)), 0.1);
    await saveCheckpoint(run, 1, { bundle: saved, optimizer: opt, wallS: 1, keep: 3 });
    const want = Array.from(await opt.m[0]!.data());
    opt.dispose();
    await saved.dispose();
    // Another model built first (a reference policy, a bench), then the resumed policy.
    const other = tinyCharPolicy(c);
    const ck = loadLatestCheckpoint(run)!;
    const resumed = tinyCharPolicy(c);
    const again = new AdamW(trainableByName(resumed.policy), { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    again.loadState(ck.optimizerStep, ck.optimizerState);
    expect(again.t).toBe(1);
    expect(Array.from(await again.m[0]!.data())).toEqual(want);
    // A checkpoint written when state was keyed by "<tfjs variable name>#<counter>" still loads.
    const legacy = new Map([...ck.optimizerState].map(([k, v]) => [k.replace(/\.exp_avg(_sq)?$/, (s) => `#7${s}`), v]));
    expect([...legacy.keys()][0]).toMatch(/#7\.exp_avg/);
    again.m[0]!.assign(tf.zerosLike(again.m[0]!));
    again.loadState(ck.optimizerStep, legacy);
    expect(Array.from(await again.m[0]!.data())).toEqual(want);
    legacy.delete([...legacy.keys()][0]!);
    expect(() => again.loadState(ck.optimizerStep, legacy)).toThrow(/the checkpoint has no model\.embed_tokens\.weight\.exp_avg/);
    again.dispose();
    await resumed.dispose();
    await other.dispose();
  });
});
