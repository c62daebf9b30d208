import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/select.js';

describe('selectBackend', () => {
  it('rejects an unknown name, listing the choices', async () => {
    await expect(selectBackend('tpu')).rejects.toThrow(/unknown backend "tpu".*auto, tensorflow, webgpu, wasm, cpu/);
  });

  it('explains why tensorflow is unavailable when tfjs-node(-gpu) is absent', async () => {
    let err: unknown;
    try {
      await selectBackend('tensorflow');
    } catch (e) {
      err = e;
    }
    if (err === undefined) {
      expect(tf.getBackend()).toBe('tensorflow'); // installed on this machine: fine
    } else {
      expect(String(err)).toMatch(/tensorflow backend unavailable: .*tfjs-node-gpu.*Available: .*wasm.*cpu/);
    }
  });

  it('auto falls back to wasm (loaded from node_modules) and computes', async () => {
    const choice = await selectBackend('auto');
    expect(['tensorflow', 'webgpu', 'wasm']).toContain(choice.name);
    expect(tf.getBackend()).toBe(choice.name);
    expect(choice.reason).toContain(choice.name);
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await y.data())).toEqual([11]);
  });

  it('selects cpu and wasm by name', async () => {
    expect((await selectBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});
