// SFT through the shared accumulate → clip → step path: micro-batches change neither the losses nor the weights.
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { validateConfig } from '../../src/config/load.js';
import { buildPolicy } from '../../src/trainer/policy_factory.js';
import { loadSplits } from '../../src/trainer/problems.js';
import { runSft } from '../../src/trainer/sft.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('runSft micro-batching', () => {
  it('micro-batches of 1 or 3 sequences give the losses and weights of the whole batch at once (1e-6)', async () => {
    const cfg = validateConfig({
      model: { tiny: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 } },
      sft: { steps: 3, batch_size: 5, mix: 'all' },
      trainer: { backend: 'cpu' },
    });
    const { train } = await loadSplits(cfg, () => {});
    const runs = [];
    for (const micro of [null, 1, 3]) {
      const bundle = await buildPolicy(cfg, null);
      const losses: string[] = [];
      const r = await runSft(bundle, train, { ...cfg.sft, micro_batch_size: micro }, cfg.trainer.seed, (m) => losses.push(m));
      const weights = new Map([...bundle.policy.namedWeights()].map(([k, t]) => [k, t.dataSync() as Float32Array]));
      runs.push({ r, weights });
      await bundle.dispose();
    }
    const [a, ...rest] = runs;
    expect(a!.r.lastLoss).toBeLessThan(a!.r.firstLoss);
    for (const b of rest) {
      expect(Math.abs(b.r.firstLoss - a!.r.firstLoss)).toBeLessThan(1e-6);
      expect(Math.abs(b.r.lastLoss - a!.r.lastLoss)).toBeLessThan(1e-6);
      let maxDiff = 0;
      for (const [k, x] of a!.weights) {
        const y = b.weights.get(k)!;
        for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i]! - y[i]!));
      }
      expect(maxDiff).toBeLessThan(1e-6);
    }
  });
});
