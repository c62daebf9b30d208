// Micro-batches cut to their own longest response: packing limits, and the same log-probs and gradients as
// passes over the whole padded width (responses are right-padded, attention is causal).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { loadPretrained } from '../../src/model/hf.js';
import { writeTinyQwen2Checkpoint } from '../../src/model/tiny_checkpoint.js';
import type { Transformer } from '../../src/model/transformer.js';
import { makeRng } from '../../src/data/rng.js';
import { microRows, scoreByLength, splitByLength } from '../../src/trainer/micro_batches.js';
import { padRollouts } from '../../src/trainer/rollout_batch.js';

describe('splitByLength', () => {
  const lengths = [5, 1, 30, 0, 7, 7, 2];
  const all = [0, 1, 2, 3, 4, 5, 6];
  it('with no pass overhead: rows of equal width share a pass, each cut to its longest response (empty ones get a column)', () => {
    expect(splitByLength(all, lengths, { promptWidth: 3, maxRows: 8, maxTokens: 1000, passOverheadTokens: 0 })).toEqual([
      { rows: [1, 3], responseWidth: 1 },
      { rows: [6], responseWidth: 2 },
      { rows: [0], responseWidth: 5 },
      { rows: [4, 5], responseWidth: 7 },
      { rows: [2], responseWidth: 30 },
    ]);
  });

  it('with a large overhead: the fewest passes the token cap allows, then the fewest padded tokens', () => {
    // Sorted widths 1 1 2 5 7 7 30, prompt 3, cap 24: row 2 alone (33 > 24, a row always fits); the 7s as a pair
    // (2 × 10); rows 1 3 6 0 need two passes: [1 3 6] + [0] is 15 + 8 tokens, [1 3] + [6 0] is 8 + 16.
    expect(splitByLength(all, lengths, { promptWidth: 3, maxRows: 8, maxTokens: 24, passOverheadTokens: 1e9 })).toEqual([
      { rows: [1, 3, 6], responseWidth: 2 },
      { rows: [0], responseWidth: 5 },
      { rows: [4, 5], responseWidth: 7 },
      { rows: [2], responseWidth: 30 },
    ]);
    expect(splitByLength(all, lengths, { promptWidth: 3, maxRows: 8, maxTokens: 1000, passOverheadTokens: 1e9 })).toEqual([{ rows: [1, 3, 6, 0, 4, 5, 2], responseWidth: 30 }]);
  });

  it('finds the least work over every partition of the rows (brute force), within maxRows and maxTokens', () => {
    const rng = makeRng(3);
    const partitions = (xs: number[]): number[][][] => {
      if (xs.length === 0) return [[]];
      const [first, ...rest] = xs;
      return partitions(rest).flatMap((p) => [[[first!], ...p], ...p.map((_, i) => p.map((g, j) => (j === i ? [first!, ...g] : g)))]);
    };
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(rng() * 7);
      const lens = Array.from({ length: n }, () => Math.floor(rng() * 12));
      const limits = { promptWidth: Math.floor(rng() * 4), maxRows: 1 + Math.floor(rng() * 4), maxTokens: 5 + Math.floor(rng() * 40), passOverheadTokens: Math.floor(rng() * 20) };
      const width = (r: number) => Math.max(1, lens[r]!);
      const fits = (g: number[]) => g.length === 1 || (g.length <= limits.maxRows && g.length * (limits.promptWidth + Math.max(...g.map(width))) <= limits.maxTokens);
      const work = (gs: number[][]) => gs.reduce((a, g) => a + g.length * (limits.promptWidth + Math.max(...g.map(width))) + limits.passOverheadTokens, 0);
      const rows = lens.map((_, i) => i);
      const best = Math.min(...partitions(rows).filter((p) => p.every(fits)).map(work));
      const got = splitByLength(rows, lens, limits);
      const ctx = JSON.stringify({ lens, limits });
      expect(got.flatMap((m) => m.rows).sort((a, b) => a - b), ctx).toEqual(rows);
      for (const m of got) {
        expect(fits(m.rows), ctx).toBe(true);
        expect(m.responseWidth, ctx).toBe(Math.max(...m.rows.map(width)));
      }
      expect(work(got.map((m) => m.rows)), ctx).toBe(best);
    }
  });

  it('names the bad input', () => {
    expect(() => splitByLength([9], lengths, { promptWidth: 1, maxRows: 2, maxTokens: 10, passOverheadTokens: 0 })).toThrow(/row 9 has no response length/);
    expect(() => splitByLength([0], lengths, { promptWidth: 1, maxRows: 0, maxTokens: 10, passOverheadTokens: 0 })).toThrow(/maxRows/);
    expect(() => splitByLength([0], lengths, { promptWidth: 1, maxRows: 1, maxTokens: 10, passOverheadTokens: -1 })).toThrow(/passOverheadTokens/);
  });
});

describe('micro-batches on the tiny Qwen2 transformer', () => {
  let dir: string;
  let model: Transformer;
  // Six rollouts with ragged prompts and responses (one empty), right-padded responses.
  const prompts = [[5, 6, 7], [8, 9], [10, 11, 12, 13], [14], [15, 16], [17, 18, 19]];
  const responses = [[20, 21], [22, 23, 24, 25, 26, 27, 28, 29, 30], [], [31, 32, 33], [34], [35, 36, 37, 38, 39, 40]];
  const lengths = responses.map((r) => r.length);

  beforeAll(async () => {
    await selectBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-micro-'));
    writeTinyQwen2Checkpoint(dir, { seed: 4, hiddenSize: 32, numLayers: 2, numHeads: 4, numKvHeads: 2, std: 0.3 });
    model = loadPretrained(dir);
  });
  afterAll(() => {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scoreByLength equals one pass over the whole padded batch (several micro-batches, rows back in order)', async () => {
    const batch = padRollouts({ prompts, responses }, 0);
    const before = tf.memory().numTensors;
    const whole = model.scoreResponses({ ids: batch.ids, attentionMask: batch.attentionMask, responseLength: batch.responseLength, temperature: 0.8 }).logProbs;
    const packed = await scoreByLength(model, batch, lengths, { maxRows: 4, maxTokens: 20, passOverheadTokens: 0 }, 0.8);
    expect(packed.shape).toEqual(whole.shape);
    const w = whole.arraySync();
    const p = packed.arraySync();
    w.forEach((row, b) =>
      row.forEach((v, t) => {
        if (t >= lengths[b]!) expect(Math.abs(p[b]![t]!)).toBe(0);
        else expect(Math.abs(p[b]![t]! - v), `row ${b} token ${t}`).toBeLessThan(1e-5);
      }),
    );
    expect(w.flat().some((v) => v < -1)).toBe(true); // real log-probs, not all padding
    tf.dispose([whole, packed]);
    expect(tf.memory().numTensors).toBe(before);
    for (const t of [batch.ids, batch.attentionMask, batch.responseMask]) t.dispose();
  });

  it('a micro-batch cut to its longest response has the log-probs and gradients of the full width', () => {
    const batch = padRollouts({ prompts, responses }, 0);
    const P = batch.ids.shape[1] - batch.responseLength;
    const mb = { rows: [4, 0, 3], responseWidth: 3 };
    const full = { rows: mb.rows, responseWidth: batch.responseLength };
    const adv = tf.tensor1d([0.5, -1, 2]);
    const run = (m: typeof mb) =>
      tf.variableGrads(() => {
        const r = model.scoreResponses({ ids: microRows(batch.ids, m, P), attentionMask: microRows(batch.attentionMask, m, P), responseLength: m.responseWidth, withEntropy: true });
        // Σ logp·adv + 0.1·Σ entropy over each row's valid tokens (padding reports 0).
        return tf.add(tf.sum(tf.mul(tf.sum(r.logProbs, 1), adv)), tf.mul(0.1, tf.sum(r.entropy!))) as tf.Scalar;
      }, model.trainableVariables);
    const cut = run(mb);
    const wide = run(full);
    expect(Math.abs(cut.value.dataSync()[0]! - wide.value.dataSync()[0]!)).toBeLessThan(1e-4);
    for (const [name, g] of Object.entries(wide.grads)) {
      const a = g.dataSync();
      const b = cut.grads[name]!.dataSync();
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      expect(worst, name).toBeLessThan(1e-5);
    }
    tf.dispose([adv, cut.value, wide.value, ...Object.values(cut.grads), ...Object.values(wide.grads), batch.ids, batch.attentionMask, batch.responseMask]);
  });
});
