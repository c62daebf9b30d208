// The tensorflow backend's own implementations, registered per backend in kernels/registry.ts: the same ops on
// TensorFlow's strengths (batched matmuls with transpose flags) where the default versions work around wasm.
// Also tfjs's Reshape/Transpose/reduction/Concat/SplitV/Slice kernels with kept operand handles
// (constant_operands.ts). Called by src/backend/select.ts once tfjs-node is loaded. RL_TF_FUSED=0 keeps the
// default versions of both (A/B runs).
import { registerBackendImpl } from '../registry.js';
import '../index.js'; // defines the ops we register implementations for
import { causalAttentionTensorflow } from './attention.js';
import { installConstantOperandKernels } from './constant_operands.js';
import { linearTensorflow } from './linear.js';

export const TENSORFLOW_IMPLS: Record<string, (...args: never[]) => unknown> = {
  linear: linearTensorflow,
  causalAttention: causalAttentionTensorflow,
};

/** Register the implementations (idempotent). */
export function installTensorflowKernels(): void {
  if (process.env.RL_TF_FUSED === '0') return;
  for (const [op, impl] of Object.entries(TENSORFLOW_IMPLS)) registerBackendImpl(op, 'tensorflow', impl);
  installConstantOperandKernels();
}
