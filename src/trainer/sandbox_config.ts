// The sandbox provider's settings from a train config: sandbox.* and the reward's per-case limits.
import type { TrainConfig } from '../config/schema.js';
import type { SandboxProviderConfig } from '../../sandbox/providers.js';

export function sandboxProviderConfig(cfg: Pick<TrainConfig, 'sandbox' | 'reward'>): SandboxProviderConfig {
  const s = cfg.sandbox;
  return {
    provider: s.provider,
    url: s.url ?? undefined,
    concurrency: s.concurrency,
    timeoutS: cfg.reward.timeout_s,
    memoryMB: cfg.reward.memory_mb,
    pidsLimit: s.pids_limit,
    cpus: s.cpus,
    tmpfsMB: s.tmpfs_mb,
    mntTmpfsMB: s.mnt_tmpfs_mb,
  };
}
