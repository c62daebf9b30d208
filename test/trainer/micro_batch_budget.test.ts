// actor.max_tokens_per_micro_batch: unset means the active backend's default from the schema; a set value wins.
import { describe, expect, it } from 'vitest';
import { configHelp } from '../../src/config/help.js';
import { validateConfig } from '../../src/config/load.js';
import { MAX_TOKENS_PER_MICRO_BATCH_BY_BACKEND } from '../../src/config/schema.js';
import { maxTokensPerMicroBatch } from '../../src/trainer/micro_batch_budget.js';

describe('max_tokens_per_micro_batch', () => {
  it('defaults to null (by backend) and resolves to each backend\'s schema default', () => {
    const cfg = validateConfig({});
    expect(cfg.actor.max_tokens_per_micro_batch).toBeNull();
    for (const [backend, v] of Object.entries(MAX_TOKENS_PER_MICRO_BATCH_BY_BACKEND)) {
      expect(maxTokensPerMicroBatch(null, backend as keyof typeof MAX_TOKENS_PER_MICRO_BATCH_BY_BACKEND)).toBe(v);
    }
  });

  it('keeps wasm below the 16384 tokens that aborted its 4 GB heap at B=8 × n=8 × 512', () => {
    expect(maxTokensPerMicroBatch(null, 'wasm')).toBeLessThan(16384);
    expect(maxTokensPerMicroBatch(null, 'tensorflow')).toBe(16384);
  });

  it('an explicit value wins on every backend', () => {
    const cfg = validateConfig({ actor: { max_tokens_per_micro_batch: 2048 } });
    expect(maxTokensPerMicroBatch(cfg.actor.max_tokens_per_micro_batch, 'wasm')).toBe(2048);
    expect(maxTokensPerMicroBatch(cfg.actor.max_tokens_per_micro_batch, 'tensorflow')).toBe(2048);
  });

  it('--help documents the per-backend defaults', () => {
    const line = configHelp().split('\n').find((l) => l.includes('actor.max_tokens_per_micro_batch'))!;
    expect(line).toMatch(/by backend: tensorflow 16384, webgpu 16384, wasm 4096, cpu 16384/);
  });
});
