// The wasm GatherV2 replacement (whole-row copies through heap views) gives the cpu backend's results.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { isKernelReplaced } from '../../kernels/replace_kernel.js';

async function on<T>(backend: string, f: () => T): Promise<T> {
  await selectBackend(backend);
  if (backend === 'wasm') expect(isKernelReplaced('GatherV2', 'wasm')).toBe(true);
  return f();
}

describe('wasm gather fix', () => {
  it('gathers along every axis, with repeated and reordered indices and several dtypes, like the cpu backend', async () => {
    const data = Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i * 0.5 - 7);
    const cases: Array<(x: tf.Tensor) => tf.Tensor> = [
      (x) => tf.gather(tf.reshape(x, [120]), [5, 0, 119, 5]),
      (x) => tf.gather(tf.reshape(x, [12, 10]), [11, 3, 3, 0]),
      (x) => tf.gather(tf.reshape(x, [12, 10]), [9, 1], 1),
      (x) => tf.gather(tf.reshape(x, [2, 3, 4, 5]), [2, 0], 1),
      (x) => tf.gather(tf.reshape(x, [2, 3, 4, 5]), [3, 1, 2], 2),
      (x) => tf.gather(tf.reshape(x, [2, 3, 4, 5]), [4, 4, 0], 3),
      (x) => tf.gather(tf.reshape(x, [2, 3, 4, 5]), tf.tensor2d([[1, 0], [0, 1], [1, 1]], [3, 2], 'int32'), 0),
      (x) => tf.gather(tf.reshape(x, [12, 10]), [], 0),
      (x) => tf.gather(tf.cast(tf.reshape(x, [12, 10]), 'int32'), [2, 7]),
      (x) => tf.gather(tf.greater(tf.reshape(x, [12, 10]), 0), [6, 4], 1),
    ];
    for (const [i, f] of cases.entries()) {
      const run = () =>
        tf.tidy(() => {
          const r = f(tf.tensor(data));
          return { shape: r.shape, dtype: r.dtype, values: Array.from(r.dataSync()) };
        });
      const want = await on('cpu', run);
      const got = await on('wasm', run);
      expect(got, `case ${i}`).toEqual(want);
    }
  });

  it('rejects an index outside the axis', async () => {
    await on('wasm', () => {
      const x = tf.ones([4, 3]);
      expect(() => tf.gather(x, [1, 4])).toThrow(/index 4 at position 1 is outside \[0, 3\]/);
      x.dispose();
    });
  });

});
