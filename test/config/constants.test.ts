// Settings that used to be constants in code are config keys: their defaults are the old values, a wrong type
// fails naming the key, and the sandbox's container limits reach the provider.
import { describe, expect, it } from 'vitest';
import { resolveConfig, validateConfig } from '../../src/config/load.js';
import { sandboxProviderConfig } from '../../src/trainer/sandbox_config.js';
import { POOL_DEFAULTS } from '../../sandbox/pool.js';

describe('config keys for former constants', () => {
  it('defaults are the values the code had', () => {
    const c = validateConfig({});
    expect(c.sft).toMatchObject({ betas: [0.9, 0.98], eps: 1e-8, weight_decay: 0, grad_clip: 1, final_lr_ratio: 0.1 });
    expect(c.trainer.max_actor_ckpt_to_keep).toBe(3);
    expect(c.sandbox).toMatchObject({
      pids_limit: POOL_DEFAULTS.pidsLimit, cpus: POOL_DEFAULTS.cpus, tmpfs_mb: POOL_DEFAULTS.tmpfsMB, mnt_tmpfs_mb: POOL_DEFAULTS.mntTmpfsMB,
    });
  });

  it('a wrong type fails naming the key', () => {
    expect(() => validateConfig({ sandbox: { pids_limit: 'many' } })).toThrow(/sandbox\.pids_limit: Invalid input: expected number, received string/);
    expect(() => resolveConfig({ overrides: ['sandbox.cpus=fast'] })).toThrow(/sandbox\.cpus: /);
    expect(() => resolveConfig({ overrides: ['sft.betas=0.9'] })).toThrow(/sft\.betas: /);
    expect(() => resolveConfig({ overrides: ['trainer.max_actor_ckpt_to_keep=0'] })).toThrow(/trainer\.max_actor_ckpt_to_keep: /);
  });

  it('the sandbox limits and reward limits go to the provider', () => {
    const c = validateConfig({ sandbox: { provider: 'docker', pids_limit: 64, cpus: 0.5, tmpfs_mb: 48, mnt_tmpfs_mb: 8 }, reward: { memory_mb: 300, timeout_s: 2 } });
    expect(sandboxProviderConfig(c)).toEqual({
      provider: 'docker', url: undefined, concurrency: 4, timeoutS: 2, memoryMB: 300, pidsLimit: 64, cpus: 0.5, tmpfsMB: 48, mntTmpfsMB: 8,
    });
  });
});
