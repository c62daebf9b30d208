// sample() driven by the tabular policy: exact distributions are known, so sampling is checked against them.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { createTabularPolicy, type TabularPolicy } from '../../src/model/toy/tabular.js';
import type { SamplingOptions } from '../../src/rollout/sample.js';
import { sample } from '../../src/rollout/sample.js';
import { CharTokenizer } from '../../src/tokenizer/char.js';
import { greedyWithoutCache } from './greedy_reference.js';

const tok = new CharTokenizer();
const EOS = tok.eosTokenId;
const enc = (s: string) => tok.encode(s);
const entries = [
  { prompt: enc('<|user|>add<|end|><|assistant|>'), candidates: ['a+b<|end|>', 'a-b<|end|>', 'sum((a,b))<|end|>', '```py\nx```\nrest<|end|>'].map(enc) },
  { prompt: enc('<|user|>hi<|end|><|assistant|>'), candidates: ['hello<|end|>', 'hey<|end|>', 'hi!<|end|>'].map(enc) },
];
const theta = [
  [0.5, 1.5, -0.5, 0.2],
  [2.0, 0.1, -1.0],
];

const base: SamplingOptions = { maxNewTokens: 32, temperature: 1, topP: 1, topK: 0, stopTokenIds: [EOS], seed: 3 };

let policy: TabularPolicy;
beforeAll(async () => {
  await selectBackend('wasm');
  policy = createTabularPolicy({ vocabSize: tok.vocabSize, entries, initialLogits: theta });
});

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

describe('sample() on the tabular policy', () => {
  it('temperature 0 equals argmax decoding without a cache, token for token', async () => {
    const prompts = entries.map((e) => e.prompt);
    const res = await sample(policy, prompts, { ...base, temperature: 0 });
    prompts.forEach((p, b) => {
      expect(res.tokens[b]).toEqual(greedyWithoutCache(policy, p, base.maxNewTokens, [EOS]));
      expect(res.finishReason[b]).toBe('stop');
    });
    // argmax candidate of each prompt
    expect(tok.decode(res.tokens[0]!)).toBe('a-b<|end|>');
    expect(tok.decode(res.tokens[1]!)).toBe('hello<|end|>');
  });

  it('samples whole candidates with frequencies softmax(theta), log-probs summing to log softmax', async () => {
    const n = 600;
    const prompts = Array.from({ length: n }, () => entries[1]!.prompt);
    const res = await sample(policy, prompts, base);
    const p = softmax(theta[1]!);
    const counts = new Array(3).fill(0);
    res.tokens.forEach((t, b) => {
      const j = entries[1]!.candidates.findIndex((c) => c.join() === t.join());
      expect(j).toBeGreaterThanOrEqual(0); // always a full candidate, ended by the stop token
      counts[j]++;
      expect(res.logProbs[b]!.reduce((s, v) => s + v, 0)).toBeCloseTo(Math.log(p[j]!), 5);
      expect(res.finishReason[b]).toBe('stop');
    });
    counts.forEach((c, j) => expect(Math.abs(c / n - p[j]!)).toBeLessThan(0.06));
  });

  it('is reproducible for a seed, differs across seeds, and does not depend on how rows are batched', async () => {
    const prompts = Array.from({ length: 24 }, (_, i) => entries[i % 2]!.prompt);
    const a = await sample(policy, prompts, base);
    const b = await sample(policy, prompts, base);
    expect(b).toEqual(a);
    const c = await sample(policy, prompts, { ...base, seed: 4 });
    expect(c.tokens).not.toEqual(a.tokens);
    // Rows 10..23 alone, with their global row ids, give the same samples.
    const part = await sample(policy, prompts.slice(10), base, undefined, { rowIds: prompts.slice(10).map((_, i) => 10 + i) });
    expect(part.tokens).toEqual(a.tokens.slice(10));
    expect(part.logProbs).toEqual(a.logProbs.slice(10));
  });

  it('top-k 1 is greedy; top-p restricts the candidates reachable', async () => {
    const prompts = Array.from({ length: 200 }, () => entries[1]!.prompt);
    const g = await sample(policy, prompts, { ...base, topK: 1 });
    expect(new Set(g.tokens.map((t) => tok.decode(t)))).toEqual(new Set(['hello<|end|>']));
    // First token: 'h' for all three candidates, then 'e' (hello, hey: 0.89 of the mass) vs 'i' (hi!).
    // top-p 0.8 keeps 'e' only; then 'l' (hello: p 0.87 | 'e') vs 'y': top-p 0.8 keeps 'l'.
    const tp = await sample(policy, prompts, { ...base, topP: 0.8 });
    expect(new Set(tp.tokens.map((t) => tok.decode(t)))).toEqual(new Set(['hello<|end|>']));
    const wide = await sample(policy, prompts, { ...base, topP: 0.95 });
    expect(new Set(wide.tokens.map((t) => tok.decode(t))).size).toBeGreaterThan(1);
  });

  it('stop token ids end a row and are kept; max new tokens ends with reason "length"', async () => {
    const prompts = [entries[0]!.prompt];
    const longest = { ...base, temperature: 0, maxNewTokens: 2 };
    const cut = await sample(policy, prompts, longest);
    expect(cut.tokens[0]).toEqual(enc('a-'));
    expect(cut.finishReason).toEqual(['length']);
    const byMinus = await sample(policy, prompts, { ...base, temperature: 0, stopTokenIds: [enc('-')[0]!] });
    expect(tok.decode(byMinus.tokens[0]!)).toBe('a-');
    expect(byMinus.finishReason).toEqual(['stop']);
  });

  it('stop strings end a row once the decoded response contains them', async () => {
    const fence = createTabularPolicy({ vocabSize: tok.vocabSize, entries: [entries[0]!], initialLogits: [[0, 0, 0, 10]] });
    const res = await sample(fence, [entries[0]!.prompt], { ...base, temperature: 0, stopStrings: ['```\n'] }, tok);
    expect(tok.decode(res.tokens[0]!)).toBe('```py\nx```\n');
    expect(res.finishReason).toEqual(['stop']);
    const midLine = await sample(fence, [entries[0]!.prompt], { ...base, temperature: 0, stopStrings: ['py'] }, tok);
    expect(tok.decode(midLine.tokens[0]!)).toBe('```py');
    await expect(sample(fence, [entries[0]!.prompt], { ...base, stopStrings: ['x'] })).rejects.toThrow(/needs a tokenizer/);
    fence.dispose();
  });

  it('finished rows stop growing while others continue; no tensors leak', async () => {
    const before = tf.memory().numTensors;
    const res = await sample(policy, entries.map((e) => e.prompt), { ...base, temperature: 0 });
    expect(res.tokens[0]!.length).toBe(4);
    expect(res.tokens[1]!.length).toBe(6);
    expect(res.logProbs.map((l) => l.length)).toEqual([4, 6]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad options and prompts with clear errors', async () => {
    await expect(sample(policy, [entries[0]!.prompt], { ...base, topP: 0 })).rejects.toThrow(/topP must be in \(0, 1\]/);
    await expect(sample(policy, [entries[0]!.prompt], { ...base, temperature: -1 })).rejects.toThrow(/temperature/);
    await expect(sample(policy, [[]], base)).rejects.toThrow(/prompt 0 is empty/);
    await expect(sample(policy, [[9999]], base)).rejects.toThrow(/outside the vocabulary/);
  });
});
