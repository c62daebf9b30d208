// The wasm kernel fixes are in place as soon as selectBackend('wasm') returns: a plain tfjs slice or gather,
// before any of our ops ran, already uses them (it used to depend on whether one of our ops had run first).
import { describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';

describe('wasm kernel fixes at backend selection', () => {
  it('a plain tf.slice right after selectBackend reads a heap view, not a whole-input copy', async () => {
    await selectBackend('wasm');
    const x = tf.range(0, 240, 1, 'float32').reshape([12, 20]);
    // tfjs-backend-wasm's own Slice reads its whole input back through backend.readSync.
    const readSync = vi.spyOn(tf.backend(), 'readSync');
    const y = tf.slice(x, [3, 5], [4, 7]);
    expect(readSync).not.toHaveBeenCalled();
    readSync.mockRestore();
    expect(Array.from(y.dataSync()).slice(0, 3)).toEqual([65, 66, 67]);
    tf.dispose([x, y]);
  });

  it('a plain tf.gather right after selectBackend uses the row-copy GatherV2 (its index check)', async () => {
    await selectBackend('wasm');
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const idx = tf.tensor1d([1, 2], 'int32');
    expect(() => tf.gather(x, idx)).toThrow(/gather: index 2 at position 1 is outside \[0, 1\]/);
    tf.dispose([x, idx]);
  });
});
