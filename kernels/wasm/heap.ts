// What the wasm kernel replacements (slice_fix.ts, gather_fix.ts) use of tfjs-backend-wasm.
import type * as tf from '@tensorflow/tfjs';

/** The wasm backend's heap access: outputs are allocated on its heap and read/written through typed views. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}
