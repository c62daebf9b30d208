// Dropping finished rows from the decode batch (sample()'s compaction through Decoder.selectRows) changes no token
// and no log-prob: each row's draws are keyed by (seed, row id, step), and a row's logits do not depend on the
// other rows of the batch. Checked on the tiny Qwen2 transformer with a small KV-cache chunk, so compaction
// gathers rows of several chunks, against a run that never compacts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import type { Decoder } from '../../src/model/decoder.js';
import { loadPretrained } from '../../src/model/hf.js';
import type { SamplingOptions } from '../../src/rollout/sample.js';
import { writeTinyQwen2Checkpoint } from '../../src/model/tiny_checkpoint.js';
import type { Transformer } from '../../src/model/transformer.js';
import { sample } from '../../src/rollout/sample.js';
import { loadHfTokenizer, type HfTokenizer } from '../../src/tokenizer/hf.js';

let dir: string;
let model: Transformer;
let tok: HfTokenizer;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-compact-'));
  writeTinyQwen2Checkpoint(dir, { seed: 3, hiddenSize: 32, numLayers: 2, numHeads: 4, numKvHeads: 2, std: 0.5 });
  tok = await loadHfTokenizer(dir);
  model = loadPretrained(dir, { kvCacheChunk: 4 });
});
afterAll(() => {
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The model as a Decoder that records each decode step's batch size and each row selection. */
function spied(m: Transformer): { decoder: Decoder; sizes: number[]; selections: number[][] } {
  const sizes: number[] = [];
  const selections: number[][] = [];
  const decoder: Decoder = {
    vocabSize: m.vocabSize,
    prefill: (ids, mask, max) => m.prefill(ids, mask, max),
    decodeStep: (ids, cache) => {
      sizes.push(ids.shape[0]);
      return m.decodeStep(ids, cache);
    },
    selectRows: (cache, rows) => {
      selections.push(rows);
      m.selectRows(cache, rows);
    },
    forwardLogits: (ids, mask) => m.forwardLogits(ids, mask),
  };
  return { decoder, sizes, selections };
}

const texts = ['<|im_start|>user\nWrite add(a, b).<|im_end|>\n<|im_start|>assistant\n', 'def f(x):', 'print(1)\n# a longer prompt'];

describe('sample(): dropping finished rows from the decode batch', () => {
  for (const extra of [{}, { temperature: 0.8, topK: 20, topP: 0.9 }]) {
    it(`gives the same tokens and log-probs as never compacting, rows ending at different steps ${JSON.stringify(extra)}`, async () => {
      // Three samples per prompt (rows i·3 + j), as the rollout pool lays them out, with pool-style row ids.
      const prompts = texts.flatMap((t) => [0, 1, 2].map(() => tok.encode(t)));
      const rowIds = prompts.map((_, r) => 100 + r);
      const base: SamplingOptions = { maxNewTokens: 40, temperature: 1, topP: 1, topK: 0, stopTokenIds: [], seed: 5, ...extra };
      // Stop ids from a free run: row r's token at step 2 + 4r, so rows end at many different steps (or run to 40).
      const free = await sample(model, prompts, base, tok, { rowIds, compactBelow: 0 });
      const stopTokenIds = [...new Set(free.tokens.slice(0, 6).map((t, r) => t[2 + 4 * r]!))];
      const opts = { ...base, stopTokenIds };

      const never = spied(model);
      const plain = await sample(never.decoder, prompts, opts, tok, { rowIds, compactBelow: 0 });
      const eager = spied(model);
      const compacted = await sample(eager.decoder, prompts, opts, tok, { rowIds, compactBelow: 1 });
      const byDefault = await sample(model, prompts, opts, tok, { rowIds });

      // The rows really end at different steps, some by a stop id and some by length.
      const lengths = plain.tokens.map((t) => t.length);
      expect(new Set(lengths).size).toBeGreaterThanOrEqual(4);
      expect(plain.finishReason).toContain('stop');
      expect(Math.min(...lengths)).toBeLessThan(Math.max(...lengths));
      // Exactly the same results (toEqual on numbers is exact).
      expect(compacted).toEqual(plain);
      expect(byDefault).toEqual(plain);
      // The never-compacting run decoded every row to the end; the other dropped rows as they finished.
      expect(never.selections).toEqual([]);
      expect(new Set(never.sizes)).toEqual(new Set([prompts.length]));
      expect(eager.selections.length).toBeGreaterThanOrEqual(3);
      expect(eager.sizes.reduce((a, b) => a + b, 0)).toBeLessThan(never.sizes.reduce((a, b) => a + b, 0));
      // After the last selection only unfinished rows are decoded: the batch size at each step is the live count.
      const finishedBefore = (step: number) => lengths.filter((n) => n <= step).length;
      eager.sizes.forEach((size, step) => expect(size, `decode step ${step}`).toBe(prompts.length - finishedBefore(step + 1)));
    });
  }

  it('leaks no tensors and rejects a bad threshold', async () => {
    const prompts = texts.map((t) => tok.encode(t));
    const before = tf.memory().numTensors;
    await sample(model, prompts, { maxNewTokens: 12, temperature: 1, topP: 1, topK: 0, stopTokenIds: [tok.encode(' ')[0]!], seed: 1 }, tok, { compactBelow: 1 });
    expect(tf.memory().numTensors).toBe(before);
    await expect(sample(model, prompts, { maxNewTokens: 4, temperature: 1, topP: 1, topK: 0, stopTokenIds: [], seed: 1 }, tok, { compactBelow: 1.5 })).rejects.toThrow(
      /compactBelow must be in \[0, 1\], got 1.5/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
