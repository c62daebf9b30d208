// The wasm Slice/Unpack/SplitV replacements (heap views instead of whole-input copies) give the cpu backend's results.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { isKernelReplaced } from '../../kernels/replace_kernel.js';

async function on<T>(backend: string, f: () => T): Promise<T> {
  await selectBackend(backend);
  if (backend === 'wasm') expect(isKernelReplaced('Slice', 'wasm')).toBe(true);
  return f();
}

describe('wasm slice fix', () => {
  it('slices (contiguous, strided, 1-D to 5-D), unstacks and splits exactly like the cpu backend', async () => {
    const data = Array.from({ length: 2 * 3 * 4 * 5 * 2 }, (_, i) => i * 0.5 - 7);
    const cases: Array<(x: tf.Tensor) => tf.Tensor | tf.Tensor[]> = [
      (x) => tf.slice(tf.reshape(x, [240]), [17], [50]),
      (x) => tf.slice(tf.reshape(x, [12, 20]), [3, 0], [4, 20]),
      (x) => tf.slice(tf.reshape(x, [12, 20]), [3, 5], [4, 7]),
      (x) => tf.slice(tf.reshape(x, [6, 4, 10]), [1, 1, 2], [3, 2, 5]),
      (x) => tf.slice(tf.reshape(x, [2, 3, 4, 10]), [1, 0, 1, 0], [1, 3, 2, 10]),
      (x) => tf.slice(tf.reshape(x, [2, 3, 4, 5, 2]), [0, 1, 1, 2, 1], [2, 2, 3, 3, 1]),
      (x) => tf.slice(tf.reshape(x, [12, 20]), [5, 5], [0, 3]),
      (x) => tf.unstack(tf.reshape(x, [6, 4, 10]), 0),
      (x) => tf.unstack(tf.reshape(x, [6, 4, 10]), 1),
      (x) => tf.split(tf.reshape(x, [6, 4, 10]), [3, 7], 2),
      (x) => tf.split(tf.reshape(x, [6, 40]), 3, 0),
      (x) => tf.slice(tf.cast(tf.reshape(x, [12, 20]), 'int32'), [2, 3], [5, 6]),
    ];
    for (const [i, f] of cases.entries()) {
      const run = () =>
        tf.tidy(() => {
          const r = f(tf.tensor(data));
          return (Array.isArray(r) ? r : [r]).map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
        });
      const want = await on('cpu', run);
      const got = await on('wasm', run);
      expect(got, `case ${i}`).toEqual(want);
    }
  });
});
