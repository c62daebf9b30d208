// With oneDNN on (tensorflow_env.ts turns it on: the training step's wide matmuls run up to 2.3x faster),
// TensorFlow's eager runtime sends BatchMatMulV2 to oneDNN, which costs ~100 µs per call before any arithmetic:
// decode's products of 1–16 rows ran 1.2–3.6x slower than on Eigen. BatchMatMulV3 (the same product, with
// per-operand types) is not rewritten to oneDNN, so this replacement of tfjs-node's BatchMatMul sends products
// of at most SMALL_MATMUL_ROWS rows per batch to it, and everything else to tfjs-node's own kernel (V2).
// Measured on the 2-core AVX2 machine, median of 5 (V2 ÷ V3 time): [1, 384] × [384, 1024] 2.51, [16, 384] ×
// [384, 1024] 1.20, [16, 1024] × [1024, 384] 1.50, [16, 384] × [384, 384] 1.83; from 64 rows on it is mixed
// (0.74–1.33), and for [1024, 384] × [384, 4096] V2 is 1.6x faster.
import * as tf from '@tensorflow/tfjs';
import { isKernelReplaced, replaceKernel, restoreKernel } from '../replace_kernel.js';

interface NodeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_BOOL: number };
  getDTypeInteger(dtype: tf.DataType): number;
  executeSingleOutput(name: string, attrs: object[], inputs: tf.TensorInfo[]): tf.Tensor;
}

const BACKEND = 'tensorflow';

/** Products with at most this many rows (of a, per batch) go to Eigen's BatchMatMulV3. */
export const SMALL_MATMUL_ROWS = 16;

export function installSmallMatMulKernel(): boolean {
  if (!tf.getKernel('BatchMatMul', BACKEND)) return false;
  replaceKernel('BatchMatMul', BACKEND, (args, orig) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)]!;
    if (rows > SMALL_MATMUL_ROWS || a.dtype !== 'float32' || b.dtype !== 'float32') return orig.kernelFunc(args);
    const be = args.backend as unknown as NodeBackend;
    const f32 = be.getDTypeInteger('float32');
    const type = (name: string) => ({ name, type: be.binding.TF_ATTR_TYPE, value: f32 });
    const flag = (name: string, value: boolean) => ({ name, type: be.binding.TF_ATTR_BOOL, value });
    const attrs = [type('Ta'), type('Tb'), type('Tout'), flag('adj_x', transposeA), flag('adj_y', transposeB)];
    return be.executeSingleOutput('BatchMatMulV3', attrs, [a, b]);
  });
  return true;
}

export function restoreSmallMatMulKernel(): void {
  restoreKernel('BatchMatMul', BACKEND);
}

export function smallMatMulKernelInstalled(): boolean {
  return isKernelReplaced('BatchMatMul', BACKEND);
}
