// Synchronous reads that a backend may refuse: on webgpu in Node a tensor computed on the GPU can only be
// read with `await tensor.data()` (see webgpu_readsync.ts), while tensors made from JS data stay readable.
import type * as tf from '@tensorflow/tfjs';
import { READ_SYNC_MESSAGE } from './webgpu_readsync.js';

/** True for the error a refused synchronous read throws (webgpu in Node). */
export function isSyncReadRefused(e: unknown): boolean {
  return e instanceof Error && e.message === READ_SYNC_MESSAGE;
}

/**
 * The tensor's values when this backend can read them synchronously, else null (the tensor lives only in
 * GPU memory on webgpu). For optional host-side checks of inputs; any other read error is rethrown.
 */
export function dataSyncIfReadable(t: tf.Tensor): tf.TypedArray | null {
  try {
    return t.dataSync() as tf.TypedArray;
  } catch (e) {
    if (isSyncReadRefused(e)) return null;
    throw e;
  }
}
