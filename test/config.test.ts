import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig, validateConfig } from '../src/config/load.js';
import { configHelp, optionLines } from '../src/config/help.js';

describe('config', () => {
  it('fills every default from the schema', () => {
    const c = validateConfig({});
    expect(c.algorithm.adv_estimator).toBe('reinforce_plus_plus_baseline');
    expect(c.actor.optim.lr).toBe(1e-6);
    expect(c.rollout.n).toBe(8);
  });

  it('applies YAML, then dotted overrides with typed values', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlcfg-'));
    const f = path.join(dir, 'c.yaml');
    fs.writeFileSync(f, 'rollout:\n  n: 4\nactor:\n  optim:\n    lr: 0.01\n');
    const c = resolveConfig({ file: f, overrides: ['algorithm.adv_estimator=rloo', 'actor.clip_ratio_high=0.28', 'rollout.n=16', 'data.val_files=null'] });
    expect(c.algorithm.adv_estimator).toBe('rloo');
    expect(c.actor.clip_ratio_high).toBe(0.28);
    expect(c.rollout.n).toBe(16);
    expect(c.actor.optim.lr).toBe(0.01);
    expect(c.data.val_files).toBeNull();
  });

  it('names the bad key and what is allowed', () => {
    expect(() => resolveConfig({ overrides: ['rollout.n=-1'] })).toThrow(/rollout\.n: .*>0/);
    expect(() => resolveConfig({ overrides: ['actor.loss_agg_mode=mean'] })).toThrow(/actor\.loss_agg_mode: .*token-mean/);
    expect(() => resolveConfig({ overrides: ['actor.clip_ratio_hi=0.3'] })).toThrow(/actor\.clip_ratio_hi: unknown option/);
    expect(() => resolveConfig({ overrides: ['nonsense'] })).toThrow(/expected key=value/);
    expect(() => resolveConfig({ file: '/nonexistent.yaml' })).toThrow(/config file not found: \/nonexistent.yaml/);
  });

  it('checks the estimator against the registry and the cross-section rules before any work', () => {
    expect(() => resolveConfig({ overrides: ['algorithm.adv_estimator=grpoo'] })).toThrow(/algorithm\.adv_estimator: unknown estimator "grpoo"; registered: grpo, rloo, /);
    expect(() => resolveConfig({ overrides: ['algorithm.adv_estimator=grpo_passk', 'rollout.n=1'] })).toThrow(/rollout\.n: grpo_passk needs at least 2 responses per prompt, got 1/);
    expect(() => resolveConfig({ overrides: ['data.train_batch_size=4', 'actor.ppo_mini_batch_size=8'] })).toThrow(/actor\.ppo_mini_batch_size: 8 prompts per mini-batch is more than data\.train_batch_size 4/);
    expect(resolveConfig({ overrides: ['algorithm.adv_estimator=grpo_passk', 'rollout.n=2'] }).algorithm.adv_estimator).toBe('grpo_passk');
  });

  it('generates help for every leaf option from the schema', () => {
    const keys = optionLines().map((l) => l.key);
    expect(keys).toContain('algorithm.adv_estimator');
    expect(keys).toContain('actor.optim.lr');
    expect(keys).toContain('model.tiny.hidden_size');
    const help = configHelp();
    expect(help).toMatch(/actor\.loss_agg_mode +how token losses are aggregated \[token-mean\|seq-mean-token-sum\|/);
    expect(help).toMatch(/rollout\.n +responses sampled per prompt \[int, default 8\]/);
  });
});
