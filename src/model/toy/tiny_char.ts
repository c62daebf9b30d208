// A tiny character-level policy: the real Qwen2 transformer with a small config over the character tokenizer.
// Same code path as a Hugging Face model (so trainer, sampler and pool tests exercise the real thing), small
// enough to train on a CPU in the demo.
import { makeConfig, type ModelConfig } from '../config.js';
import { createTransformer } from '../init.js';
import type { Transformer } from '../transformer.js';
import { CharTokenizer } from '../../tokenizer/char.js';

export interface TinyCharOptions {
  seed: number;
  hiddenSize?: number;
  numLayers?: number;
  numHeads?: number;
  numKvHeads?: number;
  intermediateSize?: number;
  maxPositionEmbeddings?: number;
  tieWordEmbeddings?: boolean;
  /** Standard deviation of the random init (default 0.02, HF's initializer_range). */
  initStd?: number;
}

export interface TinyCharPolicy {
  policy: Transformer;
  tokenizer: CharTokenizer;
  config: ModelConfig;
}

export function tinyCharConfig(opts: Omit<TinyCharOptions, 'seed'> = {}): ModelConfig {
  const tokenizer = new CharTokenizer();
  const hiddenSize = opts.hiddenSize ?? 64;
  return makeConfig({
    architecture: 'Qwen2ForCausalLM',
    hiddenSize,
    intermediateSize: opts.intermediateSize ?? hiddenSize * 3,
    numLayers: opts.numLayers ?? 2,
    numHeads: opts.numHeads ?? 4,
    numKvHeads: opts.numKvHeads ?? 2,
    vocabSize: tokenizer.vocabSize,
    tieWordEmbeddings: opts.tieWordEmbeddings ?? true,
    maxPositionEmbeddings: opts.maxPositionEmbeddings ?? 2048,
    eosTokenIds: [tokenizer.eosTokenId],
  });
}

/** A seeded random tiny char-level transformer and its tokenizer. */
export function createTinyCharPolicy(opts: TinyCharOptions): TinyCharPolicy {
  if (!Number.isSafeInteger(opts.seed)) throw new Error(`createTinyCharPolicy: seed must be an integer, got ${opts.seed}`);
  const tokenizer = new CharTokenizer();
  const config = tinyCharConfig(opts);
  const policy = createTransformer(config, { seed: opts.seed, std: opts.initStd });
  return { policy, tokenizer, config };
}
