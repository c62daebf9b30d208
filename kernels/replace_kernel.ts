// Swapping one of tfjs's own kernels on one backend for ours (kernels/wasm's fixes, kernels/tensorflow's
// constant operands). The original stays reachable: the replacement receives it for fallbacks, and
// restoreKernel puts it back (A/B benches, tests that compare the two).
import * as tf from '@tensorflow/tfjs';

/** A kernel registered by replaceKernel carries the original: tfjs's kernel registry says what is installed. */
type MarkedKernel = tf.KernelConfig & { rlOriginal?: tf.KernelConfig };

function installed(kernelName: string, backendName: string): MarkedKernel | undefined {
  return tf.getKernel(kernelName, backendName) as MarkedKernel | undefined;
}

/** Whether `kernelName` on `backendName` is our replacement. */
export function isKernelReplaced(kernelName: string, backendName: string): boolean {
  return installed(kernelName, backendName)?.rlOriginal !== undefined;
}

/**
 * Register `kernelFunc` for `kernelName` on `backendName` in place of the original, which it receives for
 * fallbacks. Idempotent: an already replaced kernel is left as it is. Throws when the backend has no such kernel.
 */
export function replaceKernel(
  kernelName: string,
  backendName: string,
  kernelFunc: (args: Parameters<tf.KernelFunc>[0], orig: tf.KernelConfig) => tf.TensorInfo | tf.TensorInfo[],
): void {
  if (isKernelReplaced(kernelName, backendName)) return;
  const orig = installed(kernelName, backendName);
  if (!orig) throw new Error(`the ${backendName} backend has no ${kernelName} kernel to replace`);
  tf.unregisterKernel(kernelName, backendName);
  const replacement: MarkedKernel = { kernelName, backendName, kernelFunc: (args) => kernelFunc(args, orig), rlOriginal: orig };
  tf.registerKernel(replacement);
}

/** Put the original kernel back (no-op when it was not replaced). */
export function restoreKernel(kernelName: string, backendName: string): void {
  const orig = installed(kernelName, backendName)?.rlOriginal;
  if (!orig) return;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(orig);
}
