// The tensorflow backend's Reshape/Transpose/Sum/Mean/Max/Concat/SplitV/Slice with kept operand handles give
// tfjs-node's own kernels' results (values, shapes, dtypes, gradients), make no new TensorFlow tensor for an
// operand value seen before, leak no tfjs tensors, and keep a bounded number of handles (never freeing one a call
// still needs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import {
  constantOperandKernelsInstalled,
  installConstantOperandKernels,
  keptOperandCount,
  MAX_KEPT_OPERANDS,
  restoreConstantOperandKernels,
} from '../../kernels/tensorflow/constant_operands.js';
import { backendsUnderTest } from '../backends.js';

type Result = { shape: number[]; dtype: string; values: number[] };

function read(t: tf.Tensor | tf.Tensor[]): Result[] {
  const ts = Array.isArray(t) ? t : [t];
  const out = ts.map((x) => ({ shape: x.shape, dtype: x.dtype, values: Array.from(x.dataSync()) }));
  tf.dispose(ts);
  return out;
}

/** The same computation with the replacements and with tfjs-node's own kernels. */
function both(f: () => tf.Tensor | tf.Tensor[]): { ours: Result[]; theirs: Result[] } {
  const ours = read(f());
  restoreConstantOperandKernels();
  try {
    return { ours, theirs: read(f()) };
  } finally {
    installConstantOperandKernels();
  }
}

const onTensorflow = backendsUnderTest([], 'kept-operand kernels').includes('tensorflow');

describe.runIf(onTensorflow)('tensorflow kernels with kept operand handles', () => {
  let x: tf.Tensor3D, xi: tf.Tensor3D;
  beforeAll(async () => {
    await selectBackend('tensorflow');
    x = tf.tensor3d(Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i) * 3), [2, 3, 4]);
    xi = tf.tensor3d(Array.from({ length: 24 }, (_, i) => (i * 7) % 11 - 5), [2, 3, 4], 'int32');
  });
  afterAll(() => tf.dispose([x, xi]));

  it('are installed when the backend is selected', () => {
    expect(constantOperandKernelsInstalled()).toBe(true);
  });

  const cases: Array<[string, () => tf.Tensor | tf.Tensor[]]> = [
    ['reshape', () => [tf.reshape(x, [6, 4]), tf.reshape(x, [-1]), tf.reshape(xi, [4, -1, 2]), tf.reshape(x, [1, 24, 1])]],
    ['transpose', () => [tf.transpose(x), tf.transpose(x, [0, 2, 1]), tf.transpose(xi, [1, 0, 2]), tf.transpose(tf.reshape(x, [6, 4]))]],
    ['sum', () => [tf.sum(x), tf.sum(x, -1), tf.sum(x, [0, 2], true), tf.sum(xi, 1), tf.sum(tf.greater(x, 0), 2)]],
    ['mean', () => [tf.mean(x), tf.mean(x, -1, true), tf.mean(x, [0, 1]), tf.mean(xi, 2)]],
    ['max', () => [tf.max(x), tf.max(x, 1), tf.max(x, [0, 2], true), tf.max(xi, -1)]],
    ['concat', () => [tf.concat([x, x], 0), tf.concat([x, tf.neg(x), x], -1), tf.concat([xi, xi], 1), tf.concat([x], 1)]],
    ['split', () => [...tf.split(x, 2, 2), ...tf.split(x, [1, -1], 1), ...tf.split(xi, [1, 1], 0)]],
    ['slice', () => [tf.slice(x, [1, 0, 1], [1, -1, 2]), tf.slice(x, [0, 2], [-1, 1]), tf.slice(xi, 1), tf.slice(tf.reshape(x, [24]), 5, 7)]],
  ];
  for (const [name, f] of cases) {
    it(`${name}: the same values, shapes and dtypes as tfjs-node's own kernel`, () => {
      const { ours, theirs } = both(f);
      expect(ours).toEqual(theirs);
    });
  }

  it('gradients through them match tfjs-node\'s own kernels', () => {
    const loss = (v: tf.Tensor) => {
      const [a, b] = tf.split(tf.transpose(tf.reshape(v, [6, 4])), [3, 1], 0);
      const c = tf.concat([tf.slice(a!, [0, 1], [3, 4]), tf.mul(b!, 2).slice([0, 0], [1, 4])], 0);
      return tf.add(tf.sum(tf.mul(c, c)), tf.add(tf.mean(c, 1).sum(), tf.max(c, 0).sum())) as tf.Scalar;
    };
    const { ours, theirs } = both(() => tf.grad(loss)(x));
    expect(ours[0]!.values.some((g) => g !== 0)).toBe(true);
    expect(ours).toEqual(theirs);
  });

  it('an operand value seen before makes no operand tensor, and no tfjs tensor leaks', () => {
    const ops = () => [tf.reshape(x, [4, 6]), tf.transpose(x, [2, 1, 0]), tf.sum(x, 1), tf.concat([x, x], 2)];
    tf.dispose(ops());
    const before = tf.memory().numTensors;
    const kept = keptOperandCount();
    for (let i = 0; i < 5; i++) {
      const outs = ops();
      // Tensor ids are consecutive: no operand tensor was made between two outputs (tfjs-node's kernels make one).
      expect(outs.map((t) => t.id - outs[0]!.id)).toEqual([0, 1, 2, 3]);
      tf.dispose(outs);
    }
    expect(keptOperandCount()).toBe(kept);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps at most MAX_KEPT_OPERANDS handles, and results stay right when the cache starts over', () => {
    const n = MAX_KEPT_OPERANDS + 10;
    const flat = tf.range(0, n + 1, 1, 'float32');
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      const s = tf.slice(flat, i, 1); // every begin a new value
      if (s.dataSync()[0] !== i) wrong++;
      s.dispose();
      expect(keptOperandCount()).toBeLessThanOrEqual(MAX_KEPT_OPERANDS);
    }
    expect(wrong).toBe(0);
    flat.dispose();
  });

  it('the cache never starts over between two operands of one call (a kept begin with ever new sizes)', () => {
    const n = MAX_KEPT_OPERANDS + 10;
    const flat = tf.range(0, n + 1, 1, 'float32');
    let wrong = 0;
    for (let i = 1; i <= n; i++) {
      const s = tf.slice(flat, 0, i); // begin [0] is kept; each size is new, so some call finds the cache full
      if (s.shape[0] !== i || s.dataSync()[i - 1] !== i - 1) wrong++;
      s.dispose();
    }
    expect(wrong).toBe(0);
    expect(keptOperandCount()).toBeLessThanOrEqual(MAX_KEPT_OPERANDS);
    flat.dispose();
  });
});
