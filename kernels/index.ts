// Fused ops with custom gradients; each has a reference implementation (registry.referenceImpl).
export { defineOp, registerBackendImpl, unregisterBackendImpl, referenceImpl, activeImpl, definedOps } from './registry.js';
export { linear } from './linear.js';
export { rmsNorm } from './rmsnorm.js';
export { swiglu } from './swiglu.js';
export { embeddingLookup } from './embedding.js';
export { applyRope, ropeAttentionScale, ropeCosSin, ropeInvFreq, type RopeScalingParams } from './rope.js';
export { attention, cachedAttention, MASKED } from './attention.js';
export { causalAttention, causalPaddingBias, type CausalAttentionOptions } from './causal_attention.js';
export { tokenLogProbs } from './logprobs.js';
export { chunkSizeFor, type TokenLogProbs, type TokenLogProbsOptions } from './logprobs_driver.js';
