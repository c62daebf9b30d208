// What the wasm kernel replacements (slice_fix.ts, gather_fix.ts) use of tfjs-backend-wasm, and how they swap in.
import * as tf from '@tensorflow/tfjs';

/** The wasm backend's heap access: outputs are allocated on its heap and read/written through typed views. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}

/** A kernel registered by replaceWasmKernel carries this mark: tfjs's kernel registry says what is installed. */
type MarkedKernel = tf.KernelConfig & { rlFixed?: boolean };

/** Whether `kernelName` on wasm is our replacement. */
export function isWasmKernelReplaced(kernelName: string): boolean {
  return (tf.getKernel(kernelName, 'wasm') as MarkedKernel | undefined)?.rlFixed === true;
}

/**
 * Register `kernelFunc` for `kernelName` on wasm in place of the original, which it receives for fallbacks.
 * Idempotent: an already replaced kernel is left as it is.
 */
export function replaceWasmKernel(
  kernelName: string,
  kernelFunc: (args: Parameters<tf.KernelFunc>[0], orig: tf.KernelConfig) => tf.TensorInfo | tf.TensorInfo[],
): void {
  if (isWasmKernelReplaced(kernelName)) return;
  const orig = tf.getKernel(kernelName, 'wasm')!;
  tf.unregisterKernel(kernelName, 'wasm');
  const replacement: MarkedKernel = { kernelName, backendName: 'wasm', kernelFunc: (args) => kernelFunc(args, orig), rlFixed: true };
  tf.registerKernel(replacement);
}
