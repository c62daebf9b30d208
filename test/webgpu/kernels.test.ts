// The model's fused ops (kernels/): whatever implementation webgpu dispatches to (tfjs-op "fused" version or a
// WGSL one registered in kernels/webgpu/) must match the reference implementation run on cpu — values and gradients.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { activeImpl, registerBackendImpl, unregisterBackendImpl, applyRope, attention, cachedAttention, causalAttention, embeddingLookup, linear, referenceImpl, rmsNorm, ropeCosSin, ropeInvFreq, swiglu, tokenLogProbs } from '../../kernels/index.js';
import { WEBGPU_IMPLS } from '../../kernels/webgpu/index.js';
import { closeness, haveWebgpu, randArray, randInts, runOn, useBackend } from './harness.js';

const ok = await haveWebgpu();

const A = (shape: number[], seed: number, scale = 1) => tf.tensor(randArray(shape.reduce((a, b) => a * b, 1), seed, scale), shape);
const I = (shape: number[], seed: number, max: number) => tf.tensor(randInts(shape.reduce((a, b) => a * b, 1), seed, max), shape, 'int32');

type Fn = (...xs: tf.Tensor[]) => tf.Tensor;
interface OpCase {
  op: string;
  /** Builds the inputs (inside the backend being tested). */
  inputs: () => tf.Tensor[];
  /** Calls the op (dispatching or reference) with the inputs. */
  call: (f: Fn, xs: tf.Tensor[]) => tf.Tensor;
  /** Indices of inputs to differentiate; none for forward-only ops. */
  wrt: number[];
  tol?: { atol: number; rtol: number };
}

const causalBias = (b: number, l: number, s: number, padLeft = 0) =>
  tf.tidy(() => {
    const q = tf.range(s - l, s).reshape([l, 1]);
    const k = tf.range(0, s).reshape([1, s]);
    const allowed = tf.logicalAnd(tf.lessEqual(k, q), tf.greaterEqual(k, padLeft));
    return tf.where(allowed, tf.zeros([l, s]), tf.fill([l, s], -1e9)).expandDims(0).tile([b, 1, 1]);
  });

const cases: OpCase[] = [
  { op: 'linear', inputs: () => [A([6, 5], 1), A([5, 7], 2), A([7], 3)], call: (f, [x, w, b]) => f(x!, w!, b!), wrt: [0, 1, 2] },
  { op: 'rmsNorm', inputs: () => [A([6, 16], 4, 2), A([16], 5)], call: (f, [x, w]) => (f as unknown as (a: tf.Tensor, b: tf.Tensor, e: number) => tf.Tensor)(x!, w!, 1e-6), wrt: [0, 1] },
  { op: 'rmsNorm', inputs: () => [A([3, 300], 6, 2), A([300], 7)], call: (f, [x, w]) => (f as unknown as (a: tf.Tensor, b: tf.Tensor, e: number) => tf.Tensor)(x!, w!, 1e-5), wrt: [0, 1] },
  { op: 'swiglu', inputs: () => [A([5, 12], 8, 3), A([5, 12], 9)], call: (f, [g, u]) => f(g!, u!), wrt: [0, 1] },
  { op: 'embeddingLookup', inputs: () => [A([9, 4], 10), tf.tensor1d([1, 3, 3, 8, 0, 3], 'int32')], call: (f, [t, i]) => f(t!, i!), wrt: [0] },
  {
    op: 'applyRope',
    inputs: () => {
      const { cos, sin } = ropeCosSin(tf.tensor2d([[0, 1, 2, 3], [5, 6, 7, 8]], undefined, 'int32'), ropeInvFreq(8, 10000));
      return [A([2, 3, 4, 8], 11), cos, sin];
    },
    call: (f, [x, c, s]) => f(x!, c!, s!),
    wrt: [0],
  },
  { op: 'attention', inputs: () => [A([2, 4, 5, 8], 12), A([2, 2, 5, 8], 13), A([2, 2, 5, 8], 14), causalBias(2, 5, 5, 1)], call: (f, [q, k, v, b]) => f(q!, k!, v!, b!), wrt: [0, 1, 2] },
  { op: 'attention', inputs: () => [A([1, 3, 7, 4], 24), A([1, 3, 7, 4], 25), A([1, 3, 7, 4], 26), causalBias(1, 7, 7)], call: (f, [q, k, v, b]) => f(q!, k!, v!, b!), wrt: [0, 1, 2] },
  // Left padding (row 0) and right padding (row 1), as the trainer's batches have.
  {
    op: 'causalAttention',
    inputs: () => [A([2, 4, 5, 8], 30), A([2, 2, 5, 8], 31), A([2, 2, 5, 8], 32), tf.tensor2d([[0, 0, 1, 1, 1], [1, 1, 1, 1, 0]])],
    call: (f, [q, k, v, m]) => f(q!, k!, v!, m!),
    wrt: [0, 1, 2],
  },
  {
    op: 'cachedAttention',
    inputs: () => [A([2, 4, 1, 8], 15), A([2, 2, 8, 6], 16), A([2, 2, 6, 8], 17), causalBias(2, 1, 6, 2)],
    call: (f, [q, kT, v, b]) => f(q!, kT!, v!, b!),
    wrt: [],
  },
  {
    op: 'tokenLogProbs',
    inputs: () => [A([7, 16], 18, 2), A([16, 50], 19), I([7], 20, 50)],
    call: (f, [h, w, t]) => {
      const r = (f as unknown as (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, o: object) => { logProbs: tf.Tensor; entropy: tf.Tensor })(h!, w!, t!, { chunkSize: 3 });
      return tf.stack([r.logProbs, r.entropy], 1);
    },
    wrt: [0, 1],
  },
  {
    op: 'tokenLogProbs',
    inputs: () => [A([5, 8], 21, 3), A([8, 300], 22), I([5], 23, 300)],
    call: (f, [h, w, t]) => {
      const r = (f as unknown as (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, o: object) => { logProbs: tf.Tensor; entropy: tf.Tensor })(h!, w!, t!, { temperature: 0.7 });
      return tf.stack([r.logProbs, r.entropy], 1);
    },
    wrt: [0, 1],
  },
];

const dispatching: Record<string, Fn> = {
  linear: linear as unknown as Fn,
  rmsNorm: rmsNorm as unknown as Fn,
  swiglu: swiglu as unknown as Fn,
  embeddingLookup: embeddingLookup as unknown as Fn,
  applyRope: applyRope as unknown as Fn,
  attention: attention as unknown as Fn,
  causalAttention: causalAttention as unknown as Fn,
  cachedAttention: cachedAttention as unknown as Fn,
  tokenLogProbs: tokenLogProbs as unknown as Fn,
};

/** Forward value, then (when wrt is non-empty) gradients of sum(value · fixed random weights). */
function evaluate(c: OpCase, f: Fn): () => tf.Tensor[] {
  return () => {
    const xs = c.inputs();
    const y = c.call(f, xs);
    if (c.wrt.length === 0) return [y];
    const weights = A(y.shape, 99);
    const grads = tf.grads((...ws: tf.Tensor[]) => {
      const all = xs.slice();
      c.wrt.forEach((idx, j) => (all[idx] = ws[j]!));
      return tf.sum(tf.mul(c.call(f, all), weights)) as tf.Scalar;
    })(c.wrt.map((i) => xs[i]!));
    return [y, ...grads];
  };
}

describe.skipIf(!ok)('fused ops on webgpu agree with the reference on cpu', () => {
  cases.forEach((c, n) => {
    it(`${c.op} #${n}`, async () => {
      const ref = await runOn('cpu', evaluate(c, referenceImpl(c.op)));
      const got = await runOn('webgpu', evaluate(c, dispatching[c.op]!));
      console.log(`[webgpu] ${c.op}: ${activeImpl(c.op)}`);
      expect(got.length).toBe(ref.length);
      got.forEach((g, i) => {
        const r = closeness(g, ref[i]!, c.tol?.atol ?? 1e-4, c.tol?.rtol ?? 1e-3);
        expect(r.ok, `${c.op} ${i === 0 ? 'value' : `grad wrt input ${c.wrt[i - 1]}`}: ${r.worst}`).toBe(true);
      });
    });
  });

  // RL_WEBGPU_FUSED=0 runs the tfjs-op versions on webgpu: they must be right there too.
  cases
    .map((c, n) => [c, n] as const)
    .filter(([c]) => c.op in WEBGPU_IMPLS)
    .forEach(([c, n]) => {
      it(`${c.op} #${n}, tfjs-op version on webgpu`, async () => {
        const ref = await runOn('cpu', evaluate(c, referenceImpl(c.op)));
        const impl = WEBGPU_IMPLS[c.op]!;
        await useBackend('webgpu');
        const wasActive = activeImpl(c.op) === 'backend:webgpu';
        unregisterBackendImpl(c.op, 'webgpu');
        try {
          expect(activeImpl(c.op)).toBe('fused');
          const got = await runOn('webgpu', evaluate(c, dispatching[c.op]!));
          got.forEach((g, i) => {
            const r = closeness(g, ref[i]!, c.tol?.atol ?? 1e-4, c.tol?.rtol ?? 1e-3);
            expect(r.ok, `${c.op} ${i === 0 ? 'value' : `grad wrt input ${c.wrt[i - 1]}`}: ${r.worst}`).toBe(true);
          });
        } finally {
          if (wasActive) registerBackendImpl(c.op, 'webgpu', impl);
        }
      });
    });

  it.skipIf(process.env.RL_WEBGPU_FUSED === '0')('the webgpu implementations are the ones dispatched (so the cases above test them)', async () => {
    await useBackend('webgpu');
    expect(Object.keys(WEBGPU_IMPLS).sort()).toEqual(['applyRope', 'attention', 'causalAttention', 'rmsNorm', 'swiglu', 'tokenLogProbs']);
    for (const op of Object.keys(WEBGPU_IMPLS)) expect(activeImpl(op)).toBe('backend:webgpu');
  });

  it('WGSL ops leak no tensors through value + gradient', async () => {
    await useBackend('webgpu');
    for (const c of cases.filter((k) => k.op in WEBGPU_IMPLS)) {
      const before = tf.memory().numTensors;
      const out = tf.tidy(evaluate(c, dispatching[c.op]!));
      await Promise.all(out.map((t) => t.data()));
      tf.dispose(out);
      expect(tf.memory().numTensors, c.op).toBe(before);
    }
  });
});
