// The tensorflow backend's own implementations, registered per backend in kernels/registry.ts: the same ops on
// TensorFlow's strengths (batched matmuls with transpose flags) where the default versions work around wasm.
// Also replacements of tfjs-node's own kernels: Reshape/Transpose/reductions/Concat/SplitV/Slice with kept
// operand handles (constant_operands.ts) and BatchMatMul's small products on Eigen (small_matmul.ts).
// Called by src/backend/select.ts once tfjs-node is loaded. RL_TF_FUSED=0 keeps the defaults of all (A/B runs).
import { registerBackendImpl } from '../registry.js';
import '../index.js'; // defines the ops we register implementations for
import { causalAttentionTensorflow } from './attention.js';
import { installConstantOperandKernels, restoreConstantOperandKernels } from './constant_operands.js';
import { linearTensorflow } from './linear.js';
import { installSmallMatMulKernel, restoreSmallMatMulKernel } from './small_matmul.js';

export const TENSORFLOW_IMPLS: Record<string, (...args: never[]) => unknown> = {
  linear: linearTensorflow,
  causalAttention: causalAttentionTensorflow,
};

/** Register the implementations (idempotent). */
export function installTensorflowKernels(): void {
  if (process.env.RL_TF_FUSED === '0') return;
  for (const [op, impl] of Object.entries(TENSORFLOW_IMPLS)) registerBackendImpl(op, 'tensorflow', impl);
  installKernelReplacements();
}

/** tfjs-node's kernels replaced by ours (idempotent). */
export function installKernelReplacements(): void {
  installConstantOperandKernels();
  installSmallMatMulKernel();
}

/** tfjs-node's own kernels back (A/B benches, tests). */
export function restoreKernelReplacements(): void {
  restoreConstantOperandKernels();
  restoreSmallMatMulKernel();
}
