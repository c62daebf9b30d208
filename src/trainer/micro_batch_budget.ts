// Sizing of forward/backward passes per backend: the padded-token cap (the configured one, else the backend's
// default from the schema: a default must never crash the default backend, and wasm's 4 GB heap cannot hold what
// tensorflow's can) and what one more pass costs, which decides how finely rows of unequal lengths are split.
import { MAX_TOKENS_PER_MICRO_BATCH_BY_BACKEND } from '../config/schema.js';

export type ActiveBackend = keyof typeof MAX_TOKENS_PER_MICRO_BATCH_BY_BACKEND;

export function maxTokensPerMicroBatch(configured: number | null, backend: ActiveBackend): number {
  return configured ?? MAX_TOKENS_PER_MICRO_BATCH_BY_BACKEND[backend];
}

/**
 * The fixed cost of one more forward + backward pass, in tokens' worth of work (splitByLength). Measured on the
 * RL-step bench's model (hidden 384, 6 layers), passes of 1–64 rows × 120–208 tokens fitted to a + b·tokens:
 * tensorflow a ≈ 250 ms, b ≈ 0.62 ms (small matmuls run far below the large ones' rate), so ≈ 400 tokens; wasm
 * a ≈ 90 ms, b ≈ 4.8 ms, ≈ 20 tokens. webgpu (dispatch-bound like tensorflow) and cpu (compute-bound like
 * wasm) were not measured and take the nearer one's value.
 */
export const PASS_OVERHEAD_TOKENS: Record<ActiveBackend, number> = { tensorflow: 400, webgpu: 400, wasm: 20, cpu: 20 };

export function passOverheadTokens(backend: string): number {
  return PASS_OVERHEAD_TOKENS[backend as ActiveBackend] ?? PASS_OVERHEAD_TOKENS.tensorflow;
}
