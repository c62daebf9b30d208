// Fused ops with custom gradients; each has a reference implementation (registry.referenceImpl).
import { registerBackendSetup } from './registry.js';
import { installWasmGatherFix } from './wasm/gather_fix.js';
import { installWasmSliceFix } from './wasm/slice_fix.js';

export { defineOp, registerBackendImpl, unregisterBackendImpl, referenceImpl, activeImpl, definedOps, registerBackendSetup } from './registry.js';
export { installWasmSliceFix } from './wasm/slice_fix.js';
export { installWasmGatherFix } from './wasm/gather_fix.js';
export { linear } from './linear.js';
export { rmsNorm } from './rmsnorm.js';
export { swiglu } from './swiglu.js';
export { embeddingLookup } from './embedding.js';
export { applyRope, ropeAttentionScale, ropeCosSin, ropeInvFreq, type RopeScalingParams } from './rope.js';
export { attention, cachedAttention, MASKED, setAttentionBlockElements } from './attention.js';
export { causalAttention, causalPaddingBias } from './causal_attention.js';
export { tokenLogProbs, chunkSizeFor, type TokenLogProbs, type TokenLogProbsOptions } from './logprobs.js';

// wasm: Slice that reads a heap view instead of copying its whole input, and a GatherV2 that copies whole rows
// (installed on first use of an op).
registerBackendSetup('wasm', () => {
  installWasmSliceFix();
  installWasmGatherFix();
});
