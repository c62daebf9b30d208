import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { activeImpl, defineOp, definedOps, referenceImpl, registerBackendImpl, unregisterBackendImpl } from '../../kernels/index.js';

describe('kernel registry', () => {
  it('dispatches to a backend-specific implementation only on that backend, else the fused default', async () => {
    await tf.setBackend('cpu');
    const op = defineOp('test.double', { reference: (x: number) => x * 2, fused: (x: number) => x + x });
    expect(op(3)).toBe(6);
    expect(activeImpl('test.double')).toBe('fused');
    registerBackendImpl('test.double', 'webgpu', () => -1);
    expect(op(3)).toBe(6); // not the active backend
    registerBackendImpl('test.double', 'cpu', (x: number) => x * 100);
    expect(activeImpl('test.double')).toBe('backend:cpu');
    expect(op(3)).toBe(300);
    unregisterBackendImpl('test.double', 'cpu');
    expect(op(3)).toBe(6);
    expect(referenceImpl<(x: number) => number>('test.double')(4)).toBe(8);
  });

  it('lists the built-in ops and rejects unknown or duplicate names', async () => {
    await import('../../kernels/index.js');
    expect(definedOps()).toEqual(
      expect.arrayContaining(['linear', 'rmsNorm', 'swiglu', 'embeddingLookup', 'applyRope', 'attention', 'cachedAttention', 'tokenLogProbs']),
    );
    expect(() => registerBackendImpl('nope', 'wasm', () => 0)).toThrow(/kernel op "nope" is not defined/);
    expect(() => defineOp('linear', { reference: () => 0, fused: () => 0 })).toThrow(/already defined/);
  });
});
