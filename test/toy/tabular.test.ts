import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { createTabularPolicy, TabularPolicy } from '../../src/model/toy/tabular.js';
import { leftPad } from '../../src/rollout/sample.js';

const EOS = 1;
// Candidates share prefixes so the trie conditional is exercised (tokens 2 and 3 branch twice).
const entries = [
  { prompt: [10, 11], candidates: [[2, 3, EOS], [2, 4, EOS], [3, EOS], [2, 3, 5, EOS]].slice(0, 3).concat([[5, 6, 7, EOS]]) },
  { prompt: [12], candidates: [[4, EOS], [4, 2, EOS]] },
];
const theta = [
  [0.3, -1.2, 2.0, 0.5],
  [-0.4, 1.1],
];

function makePolicy(): TabularPolicy {
  return createTabularPolicy({ vocabSize: 16, entries, initialLogits: theta });
}

/** ids/mask for scoring: left-padded prompts, right-padded responses (pad id 0). */
function batch(prompts: number[][], responses: number[][]): { ids: tf.Tensor2D; mask: tf.Tensor2D; T: number } {
  const T = Math.max(...responses.map((r) => r.length));
  const { ids: pid, mask: pm, width } = leftPad(prompts, 0);
  const W = width + T;
  const ids = new Int32Array(prompts.length * W);
  const mask = new Float32Array(prompts.length * W);
  prompts.forEach((_, b) => {
    ids.set(pid.subarray(b * width, (b + 1) * width), b * W);
    mask.set(pm.subarray(b * width, (b + 1) * width), b * W);
    ids.set(responses[b]!, b * W + width);
    mask.fill(1, b * W + width, b * W + width + responses[b]!.length);
  });
  return { ids: tf.tensor2d(ids, [prompts.length, W], 'int32'), mask: tf.tensor2d(mask, [prompts.length, W]), T };
}

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('tabular policy', () => {
  it('a whole candidate scores log softmax(theta)[c] (summed token log-probs)', () => {
    const policy = makePolicy();
    const prompts: number[][] = [];
    const responses: number[][] = [];
    const expected: number[] = [];
    entries.forEach((e, i) => {
      const ls = logSoftmax(theta[i]!);
      e.candidates.forEach((c, j) => {
        prompts.push(e.prompt);
        responses.push(c);
        expected.push(ls[j]!);
      });
    });
    const { ids, mask, T } = batch(prompts, responses);
    const { logProbs } = policy.scoreResponses({ ids, attentionMask: mask, responseLength: T });
    const lp = logProbs.arraySync();
    responses.forEach((r, b) => {
      const sum = lp[b]!.slice(0, r.length).reduce((s, v) => s + v, 0);
      expect(sum).toBeCloseTo(expected[b]!, 5);
    });
    tf.dispose([ids, mask, logProbs]);
    policy.dispose();
  });

  it('scoreResponses equals log_softmax(forwardLogits / temperature), entropy included, on off-support tokens too', () => {
    const policy = makePolicy();
    // Row 0: a valid candidate; row 1: leaves the support at position 1 (token 6 after 2) and continues;
    // row 2: a complete candidate followed by padding tokens (no consistent candidate: uniform).
    const prompts = [[10, 11], [10, 11], [12]];
    const responses = [[2, 4, EOS], [2, 6, 3], [4, EOS, 0]];
    const tau = 0.7;
    const { ids, mask, T } = batch(prompts, responses);
    const { logProbs, entropy } = policy.scoreResponses({ ids, attentionMask: mask, responseLength: T, temperature: tau, withEntropy: true });
    const full = tf.tidy(() => {
      const ones = tf.onesLike(mask) as tf.Tensor2D; // score every response position, padding included
      const withAll = tf.concat([mask.slice([0, 0], [-1, mask.shape[1] - T]), ones.slice([0, mask.shape[1] - T], [-1, T])], 1) as tf.Tensor2D;
      return tf.logSoftmax(tf.div(policy.forwardLogits(ids, withAll), tau)) as tf.Tensor3D;
    });
    const ref = full.arraySync();
    const W = ids.shape[1];
    const lp = logProbs.arraySync();
    const ent = entropy!.arraySync();
    for (let b = 0; b < 3; b++) {
      for (let t = 0; t < T; t++) {
        const dist = ref[b]![W - T - 1 + t]!;
        const want = dist[responses[b]![t]!]!;
        // float32 resolution at -1.4e4 (off-support tokens) is ~1e-3: compare relatively there.
        expect(Math.abs(lp[b]![t]! - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
        const h = -dist.reduce((s, l) => s + Math.exp(l) * l, 0);
        expect(ent[b]![t]).toBeCloseTo(h, 4);
      }
    }
    // The off-support token is (numerically) impossible but finite.
    expect(lp[1]![1]!).toBeLessThan(-1000);
    expect(Number.isFinite(lp[1]![1]!)).toBe(true);
    tf.dispose([ids, mask, logProbs, entropy!, full]);
    policy.dispose();
  });

  it('the gradient of a candidate log-prob is onehot(c) - softmax(theta)', () => {
    const policy = makePolicy();
    const { ids, mask, T } = batch([[10, 11]], [[2, 4, EOS]]);
    const grads = tf.variableGrads(() => tf.sum(policy.scoreResponses({ ids, attentionMask: mask, responseLength: T }).logProbs) as tf.Scalar, [policy.logits]);
    const g = grads.grads[policy.logits.name]!.arraySync() as number[][];
    const p = logSoftmax(theta[0]!).map(Math.exp);
    p.forEach((pj, j) => expect(g[0]![j]!).toBeCloseTo((j === 1 ? 1 : 0) - pj, 5));
    expect(g[1]).toEqual([0, 0, 0, 0]); // other prompt and padded candidate slots get nothing
    expect(Number.isFinite(grads.value.dataSync()[0]!)).toBe(true);
    tf.dispose([ids, mask, grads.value, ...Object.values(grads.grads)]);
    policy.dispose();
  });

  it('does not leak tensors', () => {
    const policy = makePolicy();
    const before = tf.memory().numTensors;
    const { ids, mask, T } = batch([[10, 11], [12]], [[2, 3, EOS], [4, EOS]]);
    const out = policy.scoreResponses({ ids, attentionMask: mask, responseLength: T, withEntropy: true });
    tf.dispose([ids, mask, out.logProbs, out.entropy!]);
    expect(tf.memory().numTensors).toBe(before);
    policy.dispose();
  });

  it('rejects bad tables and unknown prompts with clear errors', () => {
    expect(() => createTabularPolicy({ vocabSize: 8, entries: [{ prompt: [1], candidates: [[2], [2, 3]] }] })).toThrow(/candidates\[0\] is a prefix of candidates\[1\]/);
    expect(() => createTabularPolicy({ vocabSize: 8, entries: [{ prompt: [1], candidates: [[9]] }] })).toThrow(/token id 9 outside/);
    expect(() => createTabularPolicy({ vocabSize: 8, entries: [{ prompt: [1], candidates: [[2]] }, { prompt: [1, 2], candidates: [[2]] }] })).toThrow(/prompts must be prefix-free/);
    const policy = makePolicy();
    const { ids, mask, T } = batch([[13]], [[2]]);
    expect(() => policy.scoreResponses({ ids, attentionMask: mask, responseLength: T })).toThrow(/prompt of row 0 is not in its table/);
    tf.dispose([ids, mask]);
    policy.dispose();
  });
});
