// The rollout pool: worker threads give exactly what in-process sampling gives for the same seed, and weights
// updated in the parent reach the workers through the shared buffer only after broadcast().
// Needs the compiled worker (dist/src/rollout/worker.js): `npm run build` (the suite's globalSetup does it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import type { SamplingOptions } from '../../src/rollout/sample.js';
import { createTabularPolicy, type TabularPolicyOptions } from '../../src/model/toy/tabular.js';
import { createTinyCharPolicy, type TinyCharOptions } from '../../src/model/toy/tiny_char.js';
import { createRolloutPool, type RolloutPool } from '../../src/rollout/pool.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPretrained } from '../../src/model/hf.js';
import { writeTinyQwen2Checkpoint } from '../../src/model/tiny_checkpoint.js';
import { CharTokenizer } from '../../src/tokenizer/char.js';
import { loadHfTokenizer } from '../../src/tokenizer/hf.js';

const tok = new CharTokenizer();
const enc = (s: string) => tok.encode(s);
const options: TabularPolicyOptions = {
  vocabSize: tok.vocabSize,
  entries: [
    { prompt: enc('<|user|>a<|end|>'), candidates: ['x<|end|>', 'xy<|end|>', 'z<|end|>', 'zz<|end|>'].map(enc) },
    { prompt: enc('<|user|>b<|end|>'), candidates: ['1<|end|>', '2<|end|>', '12<|end|>'].map(enc) },
  ],
  initialLogits: [
    [0, 0.5, -0.5, 0.2],
    [0.3, 0, -0.3],
  ],
};
const sampling: SamplingOptions = { maxNewTokens: 8, temperature: 1, topP: 1, topK: 0, stopTokenIds: [tok.eosTokenId], seed: 11 };
const prompts = options.entries.map((e) => e.prompt);

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('rollout pool (tabular policy)', () => {
  const policy = createTabularPolicy(options);
  let workers: RolloutPool;
  let local: RolloutPool;
  beforeAll(() => {
    workers = createRolloutPool({ policy, spec: { kind: 'tabular', options, tokenizer: 'char' }, tokenizer: tok, size: 2 });
    local = createRolloutPool({ policy, spec: { kind: 'tabular', options, tokenizer: 'char' }, tokenizer: tok, size: 0 });
  });
  afterAll(async () => {
    await workers.close();
    await local.close();
  });

  it('2 workers give exactly what pool size 0 gives for the same seed', async () => {
    const a = await local.generate(prompts, 16, sampling);
    const b = await workers.generate(prompts, 16, sampling);
    expect(a.tokens.length).toBe(32);
    expect(b).toEqual(a);
    expect(a.promptIndex).toEqual([...new Array(16).fill(0), ...new Array(16).fill(1)]);
    expect(new Set(a.tokens.slice(0, 16).map((t) => tok.decode(t))).size).toBeGreaterThan(1); // really sampled
    // and stop strings work in workers (their tokenizer comes from the spec)
    const s = { ...sampling, stopTokenIds: [], stopStrings: ['y'] };
    expect(await workers.generate(prompts, 4, s)).toEqual(await local.generate(prompts, 4, s));
  });

  it('weights updated in the parent reach the workers after broadcast, not before', async () => {
    const before = await local.generate(prompts, 8, sampling);
    // Make candidate 'zz' (prompt 0) and '12' (prompt 1) near-certain.
    policy.logits.assign(tf.tensor2d([[0, 0, 0, 30], [0, 0, 30, 0]]));
    const stale = await workers.generate(prompts, 8, sampling);
    expect(stale).toEqual(before); // workers still hold the old version
    const v = await workers.broadcast();
    expect(v).toBeGreaterThan(1);
    const fresh = await workers.generate(prompts, 8, sampling);
    expect(fresh.tokens.slice(0, 8).map((t) => tok.decode(t))).toEqual(new Array(8).fill('zz<|end|>'));
    expect(fresh.tokens.slice(8).map((t) => tok.decode(t))).toEqual(new Array(8).fill('12<|end|>'));
    expect(fresh).toEqual(await local.generate(prompts, 8, sampling));
  });

  it('rejects bad sizes and arguments', async () => {
    expect(() => createRolloutPool({ policy, spec: { kind: 'tabular', options }, size: -1 })).toThrow(/size must be an integer >= 0/);
    await expect(local.generate(prompts, 0, sampling)).rejects.toThrow(/samples per prompt/);
  });
});

describe('rollout pool (tiny char transformer)', () => {
  const tinyOpts: TinyCharOptions = { seed: 5, hiddenSize: 32, numLayers: 2, numHeads: 4, numKvHeads: 2 };
  it('2 workers == pool size 0, and a broadcast update changes the samples accordingly', async () => {
    const { policy, tokenizer } = createTinyCharPolicy(tinyOpts);
    const spec = { kind: 'tiny_char' as const, options: tinyOpts };
    const workers = createRolloutPool({ policy, spec, tokenizer, size: 2 });
    const local = createRolloutPool({ policy, spec, tokenizer, size: 0 });
    try {
      const ps = [enc('<|user|>print 1<|end|><|assistant|>'), enc('<|user|>hi<|end|><|assistant|>')];
      const opts = { ...sampling, maxNewTokens: 6, temperature: 1.5 };
      const a = await local.generate(ps, 3, opts);
      const b = await workers.generate(ps, 3, opts);
      expect(b.tokens).toEqual(a.tokens);
      b.logProbs.forEach((row, i) => row.forEach((lp, t) => expect(lp).toBeCloseTo(a.logProbs[i]![t]!, 4)));
      // Push the LM head (tied embedding) so that token 'Q' dominates: after broadcast every sample is QQQ…
      const q = enc('Q')[0]!;
      const emb = policy.namedWeights().get('model.embed_tokens.weight') as tf.Variable;
      const boost = tf.tidy(() => tf.add(emb, tf.mul(tf.oneHot([q], emb.shape[0]).reshape([emb.shape[0], 1]), 50)));
      emb.assign(boost);
      boost.dispose();
      await workers.broadcast();
      const c = await workers.generate(ps, 3, opts);
      expect(c.tokens).toEqual((await local.generate(ps, 3, opts)).tokens);
      expect(new Set(c.tokens.flat())).toEqual(new Set([q]));
    } finally {
      await workers.close();
      await local.close();
      policy.dispose();
    }
  });
});

describe('rollout pool (HF checkpoint directory)', () => {
  it('workers load the model and a decode-only tokenizer: same samples and stop strings as in-process', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-pool-hf-'));
    writeTinyQwen2Checkpoint(dir, { seed: 8, hiddenSize: 32, numLayers: 1, numHeads: 4, numKvHeads: 2, std: 0.3 });
    const tokenizer = await loadHfTokenizer(dir);
    const policy = loadPretrained(dir);
    const workers = createRolloutPool({ policy, spec: { kind: 'hf', dir }, tokenizer, size: 2 });
    const local = createRolloutPool({ policy, spec: { kind: 'hf', dir }, tokenizer, size: 0 });
    try {
      const ps = ['def f(x):', '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n'].map((t) => tokenizer.encode(t));
      const opts = { ...sampling, maxNewTokens: 10, stopTokenIds: [tokenizer.eosTokenId], stopStrings: ['e'] };
      const a = await local.generate(ps, 3, opts);
      const b = await workers.generate(ps, 3, opts);
      expect(b.tokens).toEqual(a.tokens);
      expect(b.finishReason).toEqual(a.finishReason);
      expect(a.finishReason).toContain('stop'); // the stop string did fire somewhere
    } finally {
      await workers.close();
      await local.close();
      policy.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
