// sample() on the real transformer (tiny random Qwen2 checkpoint loaded from disk, and the tiny char policy).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { loadPretrained } from '../../src/model/hf.js';
import type { SamplingOptions } from '../../src/rollout/sample.js';
import { writeTinyQwen2Checkpoint } from '../../src/model/tiny_checkpoint.js';
import { createTinyCharPolicy } from '../../src/model/toy/tiny_char.js';
import type { Transformer } from '../../src/model/transformer.js';
import { sample } from '../../src/rollout/sample.js';
import { loadHfTokenizer, type HfTokenizer } from '../../src/tokenizer/hf.js';
import { greedyWithoutCache } from './greedy_reference.js';

let dir: string;
let model: Transformer;
let tok: HfTokenizer;
const base: SamplingOptions = { maxNewTokens: 12, temperature: 1, topP: 1, topK: 0, stopTokenIds: [], seed: 21 };

beforeAll(async () => {
  await selectBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-sample-'));
  // std 0.5: peaky, input-dependent distributions, so greedy paths are not degenerate.
  writeTinyQwen2Checkpoint(dir, { seed: 3, hiddenSize: 32, numLayers: 2, numHeads: 4, numKvHeads: 2, std: 0.5 });
  tok = await loadHfTokenizer(dir);
  model = loadPretrained(dir);
});
afterAll(() => {
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const texts = ['<|im_start|>user\nWrite add(a, b).<|im_end|>\n<|im_start|>assistant\n', 'def f(x):', 'print(1)\n# a longer prompt with more tokens in it'];

describe('sample() on the tiny Qwen2 transformer', () => {
  it('temperature 0 equals argmax decoding without a cache, token for token (batched, left-padded)', async () => {
    const prompts = texts.map((t) => tok.encode(t));
    expect(new Set(prompts.map((p) => p.length)).size).toBe(3);
    const res = await sample(model, prompts, { ...base, temperature: 0, maxNewTokens: 16 }, tok);
    prompts.forEach((p, b) => {
      const ref = greedyWithoutCache(model, p, 16, []);
      expect(res.tokens[b]).toEqual(ref);
      expect(res.logProbs[b]).toEqual(new Array(16).fill(0));
    });
    expect(new Set(res.tokens.flat()).size).toBeGreaterThan(3); // not a degenerate repeat of one token
  });

  it('left padding: prompts of different lengths in one batch sample what each prompt alone samples', async () => {
    const prompts = texts.map((t) => tok.encode(t));
    const opts = { ...base, topK: 20, topP: 0.95 };
    const batched = await sample(model, prompts, opts, tok);
    for (let b = 0; b < prompts.length; b++) {
      const alone = await sample(model, [prompts[b]!], opts, tok, { rowIds: [b] });
      expect(alone.tokens[0]).toEqual(batched.tokens[b]);
      alone.logProbs[0]!.forEach((lp, t) => expect(lp).toBeCloseTo(batched.logProbs[b]![t]!, 4));
    }
  });

  it('sampling log-probs equal the policy score at temperature T (no top-k/top-p)', async () => {
    const prompt = tok.encode(texts[0]!);
    const T = 0.8;
    const res = await sample(model, [prompt], { ...base, temperature: T }, tok);
    const r = res.tokens[0]!;
    const ids = tf.tensor2d([[...prompt, ...r]], [1, prompt.length + r.length], 'int32');
    const mask = tf.onesLike(ids).toFloat() as tf.Tensor2D;
    const { logProbs } = model.scoreResponses({ ids, attentionMask: mask, responseLength: r.length, temperature: T });
    const lp = logProbs.arraySync()[0]!;
    lp.forEach((v, t) => expect(v).toBeCloseTo(res.logProbs[0]![t]!, 4));
    tf.dispose([ids, mask, logProbs]);
  });

  it('is reproducible per seed and leaks no tensors', async () => {
    const prompts = texts.map((t) => tok.encode(t));
    const before = tf.memory().numTensors;
    const a = await sample(model, prompts, base, tok);
    const b = await sample(model, prompts, base, tok);
    const c = await sample(model, prompts, { ...base, seed: 22 }, tok);
    expect(b).toEqual(a);
    expect(c.tokens).not.toEqual(a.tokens);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stop strings (decoded with the HF tokenizer) and stop ids end rows', async () => {
    const prompts = texts.map((t) => tok.encode(t));
    const free = await sample(model, prompts, { ...base, temperature: 0, maxNewTokens: 16 }, tok);
    // Stop on the text of the 5th greedy token of row 0: row 0 must end at (or before) that token.
    const piece = tok.decode([free.tokens[0]![4]!]);
    const res = await sample(model, prompts, { ...base, temperature: 0, maxNewTokens: 16, stopStrings: [piece] }, tok);
    expect(res.finishReason[0]).toBe('stop');
    expect(res.tokens[0]!.length).toBeLessThanOrEqual(5);
    expect(tok.decode(res.tokens[0]!)).toContain(piece);
    expect(free.tokens[0]!.slice(0, res.tokens[0]!.length)).toEqual(res.tokens[0]);
    const stopId = free.tokens[1]![2]!;
    const byId = await sample(model, prompts, { ...base, temperature: 0, maxNewTokens: 16, stopTokenIds: [stopId] }, tok);
    const firstAt = free.tokens[1]!.indexOf(stopId);
    expect(byId.tokens[1]).toEqual(free.tokens[1]!.slice(0, firstAt + 1));
    expect(byId.finishReason[1]).toBe('stop');
  });
});

describe('tiny char policy', () => {
  it('greedy sampling equals argmax decoding without a cache', async () => {
    const { policy, tokenizer } = createTinyCharPolicy({ seed: 9, hiddenSize: 32, numLayers: 2, initStd: 0.3 });
    try {
      const prompts = ['<|user|>sum<|end|><|assistant|>', '<|user|>write hello world<|end|><|assistant|>'].map((t) => tokenizer.encode(t));
      const res = await sample(policy, prompts, { ...base, temperature: 0, maxNewTokens: 12, stopTokenIds: [tokenizer.eosTokenId] }, tokenizer);
      prompts.forEach((p, b) => expect(res.tokens[b]).toEqual(greedyWithoutCache(policy, p, 12, [tokenizer.eosTokenId])));
      expect(policy.vocabSize).toBe(tokenizer.vocabSize);
    } finally {
      policy.dispose();
    }
  });
});
