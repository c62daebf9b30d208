// What the wasm kernel replacements (slice_fix.ts, gather_fix.ts) use of tfjs-backend-wasm, and how they swap in.
import * as tf from '@tensorflow/tfjs';

/** The wasm backend's heap access: outputs are allocated on its heap and read/written through typed views. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}

/** Register `kernelFunc` for `kernelName` on wasm in place of the original, which it receives for fallbacks. */
export function replaceWasmKernel(
  kernelName: string,
  kernelFunc: (args: Parameters<tf.KernelFunc>[0], orig: tf.KernelConfig) => tf.TensorInfo | tf.TensorInfo[],
): void {
  const orig = tf.getKernel(kernelName, 'wasm')!;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: (args) => kernelFunc(args, orig) });
}
