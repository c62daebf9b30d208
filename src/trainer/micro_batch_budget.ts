// The padded-token cap per forward/backward pass: the configured one, else the backend's default from the schema
// (a default must never crash the default backend: wasm's 4 GB heap cannot hold what tensorflow's can).
import { MAX_TOKENS_PER_MICRO_BATCH_BY_BACKEND } from '../config/schema.js';

export type ActiveBackend = keyof typeof MAX_TOKENS_PER_MICRO_BATCH_BY_BACKEND;

export function maxTokensPerMicroBatch(configured: number | null, backend: ActiveBackend): number {
  return configured ?? MAX_TOKENS_PER_MICRO_BATCH_BY_BACKEND[backend];
}
