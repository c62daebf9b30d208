// Every fused op against its reference (values and gradients) and against finite differences,
// on the cpu and wasm backends, small shapes.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { backendsUnderTest } from '../backends.js';
import {
  activeImpl,
  applyRope,
  attention,
  cachedAttention,
  causalAttention,
  causalPaddingBias,
  embeddingLookup,
  linear,
  MASKED,
  referenceImpl,
  rmsNorm,
  ropeCosSin,
  ropeInvFreq,
  swiglu,
  tokenLogProbs,
} from '../../kernels/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => tf.Tensor;

let seed = 1;
// Any rank: the shape is runtime data here, and each op checks its own rank.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const rnd = (shape: number[], scale = 1): tf.Tensor<any> => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed++), scale);

function maxAbs(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Scalar loss Σ w ⊙ f(inputs) with fixed random weights w, so every output element matters. */
function lossOf(f: Fn, inputs: tf.Tensor[], weights: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(f(...inputs), weights)) as tf.Scalar;
}

function grads(f: Fn, inputs: tf.Tensor[], diff: number[], weights: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const g = tf.grads((...xs: tf.Tensor[]) => {
      const all = inputs.slice();
      diff.forEach((idx, i) => (all[idx] = xs[i]!));
      return lossOf(f, all, weights);
    });
    return g(diff.map((i) => inputs[i]!));
  });
}

/** Central finite differences of the loss at a few coordinates of input `idx` (float32: eps 1e-2). */
function finiteDiffCheck(f: Fn, inputs: tf.Tensor[], idx: number, analytic: tf.Tensor, weights: tf.Tensor, coords = 5): void {
  const base = inputs[idx]!.dataSync() as Float32Array;
  const an = analytic.dataSync();
  const eps = 1e-2;
  for (let c = 0; c < coords; c++) {
    const k = Math.floor(((c + 0.5) / coords) * base.length);
    const at = (delta: number) =>
      tf.tidy(() => {
        const arr = Float32Array.from(base);
        arr[k]! += delta;
        const all = inputs.slice();
        all[idx] = tf.tensor(arr, inputs[idx]!.shape);
        return lossOf(f, all, weights).dataSync()[0]!;
      });
    const num = (at(eps) - at(-eps)) / (2 * eps);
    expect(Math.abs(num - an[k]!), `input ${idx} coord ${k}: numeric ${num} vs analytic ${an[k]}`).toBeLessThan(2e-2 * Math.max(1, Math.abs(num)));
  }
}

/** Fused vs reference: value, gradients of the listed inputs, finite differences, and no leaks. */
function checkOp(name: string, fused: Fn, inputs: tf.Tensor[], diff: number[], tol = 1e-5, reference: Fn = referenceImpl<Fn>(name)): void {
  const before = tf.memory().numTensors;
  const yF = fused(...inputs);
  const yR = reference(...inputs);
  expect(yF.shape).toEqual(yR.shape);
  expect(maxAbs(yF, yR), `${name} value`).toBeLessThan(tol);
  const w = tf.randomNormal(yF.shape, 0, 1, 'float32', seed++);
  tf.dispose([yF, yR]);
  const gF = grads(fused, inputs, diff, w);
  const gR = grads(reference, inputs, diff, w);
  gF.forEach((g, i) => {
    const scale = Math.max(1, tf.tidy(() => tf.max(tf.abs(gR[i]!)).dataSync()[0]!));
    expect(maxAbs(g, gR[i]!) / scale, `${name} grad of input ${diff[i]}`).toBeLessThan(10 * tol);
    finiteDiffCheck(fused, inputs, diff[i]!, g, w);
  });
  tf.dispose([...gF, ...gR, w]);
  expect(tf.memory().numTensors, `${name} leaked tensors`).toBe(before);
}

/** Causal + left padding; a padded query still sees itself (a fully masked row has no useful gradient to check). */
function causalBias(b: number, l: number, padLeft: number[]): tf.Tensor3D {
  const data: number[] = [];
  for (let r = 0; r < b; r++)
    for (let i = 0; i < l; i++) for (let j = 0; j < l; j++) data.push(j === i || (j <= i && j >= padLeft[r]!) ? 0 : MASKED);
  return tf.tensor3d(data, [b, l, l]);
}

for (const backend of backendsUnderTest(['cpu', 'wasm'], 'kernels')) {
  describe(`kernels on ${backend}`, () => {
    const keep: tf.Tensor[] = [];
    const T = <X extends tf.Tensor>(t: X): X => {
      keep.push(t);
      return t;
    };
    afterAll(() => tf.dispose(keep.splice(0)));

    it('linear (with and without bias)', async () => {
      await selectBackend(backend);
      const x = T(rnd([5, 6]));
      const w = T(rnd([6, 4]));
      const b = T(rnd([4]));
      checkOp('linear', linear, [x, w], [0, 1]);
      checkOp('linear', linear, [x, w, b], [0, 1, 2]);
    });

    it('rmsNorm', async () => {
      await selectBackend(backend);
      const x = T(rnd([4, 8], 2));
      const w = T(tf.add(1, rnd([8], 0.3)));
      const ref = referenceImpl<Fn>('rmsNorm');
      checkOp('rmsNorm', (a: tf.Tensor2D, b: tf.Tensor1D) => rmsNorm(a, b, 1e-6), [x, w], [0, 1], 1e-5, (a: tf.Tensor2D, b: tf.Tensor1D) => ref(a, b, 1e-6));
    });

    it('swiglu', async () => {
      await selectBackend(backend);
      checkOp('swiglu', swiglu, [T(rnd([3, 7], 2)), T(rnd([3, 7]))], [0, 1]);
    });

    it('embeddingLookup (repeated ids; gradient without UnsortedSegmentSum)', async () => {
      await selectBackend(backend);
      const table = T(rnd([9, 5]));
      const ids = T(tf.tensor1d([3, 0, 3, 8, 3, 1], 'int32'));
      checkOp('embeddingLookup', embeddingLookup, [table, ids], [0]);
    });

    it('applyRope (HF rotate_half) against a direct formula, and its gradient', async () => {
      await selectBackend(backend);
      const x = T(rnd([2, 3, 4, 6]));
      const pos = T(tf.tensor2d([[0, 1, 2, 3], [1, 1, 0, 1]], [2, 4], 'int32'));
      const inv = ropeInvFreq(6, 10000);
      const { cos, sin } = ropeCosSin(pos, inv);
      T(cos);
      T(sin);
      checkOp('applyRope', applyRope, [x, cos, sin], [0]);
      // Direct check of one element: head dim 6, pair (i, i+3).
      const y = applyRope(x, cos, sin);
      const xv = x.arraySync()[1]![2]![0]!;
      const yv = y.arraySync()[1]![2]![0]!;
      y.dispose();
      for (let i = 0; i < 3; i++) {
        const ang = 1 * inv[i]!; // row 1, position index 0 → position 1
        expect(yv[i]!).toBeCloseTo(xv[i]! * Math.cos(ang) - xv[i + 3]! * Math.sin(ang), 5);
        expect(yv[i + 3]!).toBeCloseTo(xv[i + 3]! * Math.cos(ang) + xv[i]! * Math.sin(ang), 5);
      }
    });

    it('attention (GQA, causal + left padding)', async () => {
      await selectBackend(backend);
      const q = T(rnd([2, 4, 5, 3]));
      const k = T(rnd([2, 2, 5, 3]));
      const v = T(rnd([2, 2, 5, 3]));
      const bias = T(causalBias(2, 5, [0, 2]));
      checkOp('attention', attention, [q, k, v, bias], [0, 1, 2]);
    });

    // Queries at left-padding positions see no key (their output is unspecified and unused): the checks weight
    // them out, so values and gradients are compared where the model reads them.
    const queryMasked = (f: Fn) => (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, m: tf.Tensor2D) =>
      tf.tidy(() => tf.mul(f(q, k, v, m), tf.reshape(m, [m.shape[0], 1, m.shape[1], 1])));
    const padMask = (rows: number[][]) => T(tf.tensor2d(rows));

    it('causalAttention (key mask, no [B, L, L] bias) equals attention with the causal + padding bias', async () => {
      await selectBackend(backend);
      const q = T(rnd([3, 4, 6, 3]));
      const k = T(rnd([3, 2, 6, 3]));
      const v = T(rnd([3, 2, 6, 3]));
      // Left padding (prompt) and right padding (response), as the trainer's batches have.
      const m = padMask([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [0, 1, 1, 1, 1, 0]]);
      checkOp('causalAttention', queryMasked(causalAttention), [q, k, v, m], [0, 1, 2], 1e-5, queryMasked(referenceImpl<Fn>('causalAttention')));
      const viaBias = queryMasked((a, b, c, mm) => attention(a, b, c, causalPaddingBias(mm)))(q, k, v, m);
      const got = queryMasked(causalAttention)(q, k, v, m);
      expect(maxAbs(got, viaBias)).toBeLessThan(1e-6);
      tf.dispose([viaBias, got]);
    });

    it('causalAttention in query blocks that skip the causal upper triangle and right padding: values and gradients', async () => {
      await selectBackend(backend);
      const q = T(rnd([3, 4, 7, 3]));
      const k = T(rnd([3, 2, 7, 3]));
      const v = T(rnd([3, 2, 7, 3]));
      // Row 1's last block is all right padding (skipped); row 2 has no real token at all.
      const m = padMask([[0, 0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0, 0]]);
      // 2 query positions per block: blocks of 2, 2, 2, 1
      const inBlocks: Fn = (a, b, c, mm) => causalAttention(a, b, c, mm, { blockElements: 2 * 2 * 7 });
      checkOp('causalAttention', queryMasked(inBlocks), [q, k, v, m], [0, 1, 2], 1e-5, queryMasked(referenceImpl<Fn>('causalAttention')));
    });

    // Not on cpu (the slowest backend, 8 s here): the loop path it would take is the one wasm runs.
    it.skipIf(backend === 'cpu')('causalAttention over 150 positions in small blocks (tensorflow: chunks of one row × 64 queries): values and gradients', async () => {
      await selectBackend(backend);
      const L = 150;
      const q = T(rnd([3, 4, L, 3]));
      const k = T(rnd([3, 2, L, 3]));
      const v = T(rnd([3, 2, L, 3]));
      const row = (start: number, end: number) => Array.from({ length: L }, (_, j) => (j >= start && j < end ? 1 : 0));
      const m = padMask([row(5, 150), row(0, 90), row(20, 140)]);
      // 2 kv heads × 2 groups × 64 queries × 150 keys: one row per chunk on tensorflow; 128-query blocks on the loop path.
      const inBlocks: Fn = (a, b, c, mm) => causalAttention(a, b, c, mm, { blockElements: 2 * 2 * 64 * L });
      checkOp('causalAttention', queryMasked(inBlocks), [q, k, v, m], [0, 1, 2], 1e-5, queryMasked(referenceImpl<Fn>('causalAttention')));
    });

    it.skipIf(backend !== 'tensorflow')('on tensorflow, linear and causalAttention dispatch to kernels/tensorflow (so the cases above test them)', async () => {
      await selectBackend(backend);
      expect(activeImpl('linear')).toBe('backend:tensorflow');
      expect(activeImpl('causalAttention')).toBe('backend:tensorflow');
    });

    // Tensor bytes are counted by the engine the same way on every backend: one backend suffices (wasm is faster).
    it.skipIf(backend !== 'wasm')('causalAttention memory is linear in L (forward and backward): no [B, L, L] tensor', async () => {
      await selectBackend(backend);
      const blockElements = 2 ** 12; // query blocks of 8 (L = 256) and 4 (L = 512) × 2 heads
      const peak = async (L: number) => {
        const B = 2;
        const [q, k, v] = [rnd([B, 4, L, 4]), rnd([B, 2, L, 4]), rnd([B, 2, L, 4])];
        const m = tf.tensor2d([Array.from({ length: L }, (_, j) => (j < 10 ? 0 : 1)), Array.from({ length: L }, (_, j) => (j < L - 30 ? 1 : 0))]);
        const base = tf.memory().numBytes;
        // tf.profile reuses one result object: read each peak before the next profile.
        const ours = (await tf.profile(() => {
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(causalAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, m, { blockElements })) as tf.Scalar)([q, k, v]);
          tf.dispose(g);
        })).peakBytes - base;
        const bias = (await tf.profile(() => tf.dispose(causalPaddingBias(m)))).peakBytes - base; // what the bias version allocated per layer
        tf.dispose([q, k, v, m]);
        return { ours, bias };
      };
      const a = await peak(256);
      const b = await peak(512);
      expect(b.bias / a.bias).toBeGreaterThan(3.5); // the bias is quadratic in L
      expect(b.ours / a.ours, `peak bytes ${a.ours} at L = 256, ${b.ours} at L = 512`).toBeLessThan(2.5);
      expect(b.ours).toBeLessThan(b.bias);
    });

    it('cachedAttention (transposed keys) equals attention over the same keys', async () => {
      await selectBackend(backend);
      const q = T(rnd([3, 4, 1, 3]));
      const k = T(rnd([3, 2, 6, 3]));
      const v = T(rnd([3, 2, 6, 3]));
      const mask = [[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1]];
      const bias = T(tf.tensor3d(mask.map((r) => [r.map((m) => (m ? 0 : MASKED))])));
      const kT = T(tf.transpose(k, [0, 1, 3, 2]) as tf.Tensor4D);
      const got = cachedAttention(q, kT, v, bias);
      const want = attention(q, k, v, bias);
      expect(maxAbs(got, want)).toBeLessThan(1e-5);
      const ref = referenceImpl<Fn>('cachedAttention')(q, kT, v, bias);
      expect(maxAbs(got, ref)).toBeLessThan(1e-5);
      tf.dispose([got, want, ref]);
    });

    for (const opts of [
      { temperature: 1, withEntropy: true, chunkSize: 3 },
      { temperature: 0.6, withEntropy: true, chunkSize: 100 },
      { temperature: 1.3, withEntropy: false, chunkSize: 2 },
    ]) {
      it(`tokenLogProbs in chunks ${JSON.stringify(opts)}`, async () => {
        await selectBackend(backend);
        const h = T(rnd([7, 5], 1.5));
        const w = T(rnd([5, 11], 1.5));
        const targets = T(tf.tensor1d([0, 10, 3, 3, 7, 1, 9], 'int32'));
        // Pack logProbs and entropy into one output so one check covers both gradients.
        const wrap = (impl: Fn) => (a: tf.Tensor2D, b: tf.Tensor2D, t: tf.Tensor1D) =>
          tf.tidy(() => {
            const r = impl(a, b, t, opts) as unknown as { logProbs: tf.Tensor1D; entropy: tf.Tensor1D };
            return tf.stack([r.logProbs, r.entropy], 1);
          });
        const fusedPacked = wrap(tokenLogProbs as unknown as Fn);
        // checkOp reads the reference from the registry: compare against a wrapped reference explicitly.
        const refPacked = wrap(referenceImpl<Fn>('tokenLogProbs'));
        const before = tf.memory().numTensors;
        const yF = fusedPacked(h, w, targets);
        const yR = refPacked(h, w, targets);
        expect(maxAbs(yF, yR)).toBeLessThan(1e-5);
        const wt = tf.randomNormal(yF.shape, 0, 1, 'float32', seed++);
        const gF = grads(fusedPacked, [h, w, targets], [0, 1], wt);
        const gR = grads(refPacked, [h, w, targets], [0, 1], wt);
        gF.forEach((g, i) => {
          expect(maxAbs(g, gR[i]!)).toBeLessThan(1e-4);
          finiteDiffCheck(fusedPacked, [h, w, targets], i, g, wt);
        });
        tf.dispose([yF, yR, wt, ...gF, ...gR]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }

    it('tokenLogProbs stays exact for very unlikely targets (log p ≈ −hundreds, no underflow)', async () => {
      await selectBackend(backend);
      const h = T(tf.tensor2d([[30, -20], [-25, 40]]));
      const w = T(tf.tensor2d([[5, -5, 1], [-3, 4, 0]]));
      const targets = T(tf.tensor1d([1, 0], 'int32'));
      const r = tokenLogProbs(h, w, targets, { chunkSize: 1 });
      const ref = referenceImpl<Fn>('tokenLogProbs')(h, w, targets) as unknown as { logProbs: tf.Tensor; entropy: tf.Tensor };
      const got = r.logProbs.dataSync();
      const want = ref.logProbs.dataSync();
      expect(want[0]!).toBeLessThan(-200);
      for (let i = 0; i < 2; i++) expect(Math.abs(got[i]! - want[i]!) / Math.abs(want[i]!)).toBeLessThan(1e-6);
      tf.dispose([r.logProbs, r.entropy, ref.logProbs, ref.entropy]);
    });

    it('tokenLogProbs reports each chunk and rejects bad arguments', async () => {
      await selectBackend(backend);
      const h = T(rnd([10, 4]));
      const w = T(rnd([4, 6]));
      const t = T(tf.tensor1d([0, 1, 2, 3, 4, 5, 0, 1, 2, 3], 'int32'));
      let chunks = 0;
      const r = tokenLogProbs(h, w, t, { chunkSize: 4, onChunk: () => chunks++ });
      tf.dispose([r.logProbs, r.entropy]);
      expect(chunks).toBe(3);
      expect(() => tokenLogProbs(h, w, t, { temperature: 0 })).toThrow(/temperature must be > 0/);
      expect(() => tokenLogProbs(h, T(rnd([5, 6])), t)).toThrow(/does not match head/);
    });
  });
}
