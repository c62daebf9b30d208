// Everything the webgpu backend needs beyond tfjs-backend-webgpu 4.22: kernel fixes and WGSL fused ops,
// registered per backend in kernels/registry.ts. Called by src/backend/webgpu.ts once the backend package is loaded.
import { registerBackendImpl } from '../registry.js';
import '../index.js'; // defines the ops we register implementations for
import { installAddNFix } from './addn.js';
import { attentionWebgpu, causalAttentionWebgpu } from './attention.js';
import { installCumsumFix } from './cumsum.js';
import { tokenLogProbsWebgpu } from './logprobs.js';
import { rmsNormWebgpu } from './rmsnorm.js';
import { applyRopeWebgpu } from './rope.js';
import { swigluWebgpu } from './swiglu.js';

/** Op name → webgpu implementation (WGSL kernels; attention: batched matmuls). RL_WEBGPU_FUSED=0 keeps the tfjs-op versions (A/B runs). */
export const WEBGPU_IMPLS: Record<string, (...args: never[]) => unknown> = {
  rmsNorm: rmsNormWebgpu,
  tokenLogProbs: tokenLogProbsWebgpu,
  swiglu: swigluWebgpu,
  applyRope: applyRopeWebgpu,
  attention: attentionWebgpu,
  causalAttention: causalAttentionWebgpu,
};

/** Install the kernel fixes and register the WGSL ops (idempotent: src/backend/webgpu.ts calls it whenever it sets webgpu up). */
export function installWebgpuKernels(): void {
  installCumsumFix();
  installAddNFix();
  if (process.env.RL_WEBGPU_FUSED === '0') return;
  for (const [op, impl] of Object.entries(WEBGPU_IMPLS)) registerBackendImpl(op, 'webgpu', impl);
}
