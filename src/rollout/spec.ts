// How a rollout worker rebuilds the parent's policy: a plain, structured-cloneable description.
// The weights themselves never travel in the spec; they come through the pool's SharedArrayBuffer.
import type { Decoder } from '../model/decoder.js';
import type { Policy } from '../model/policy.js';
import { createTabularPolicy, type TabularPolicyOptions } from '../model/toy/tabular.js';
import type { TinyCharOptions } from '../model/toy/tiny_char.js';
import { CharTokenizer } from '../tokenizer/char.js';
import { loadTokenizer, type TokenizerSpec } from '../tokenizer/load.js';
import { loadVocabDecoder } from '../tokenizer/vocab_decoder.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';

export type SamplingPolicy = Policy & Decoder;

export type PolicySpec =
  | { kind: 'tabular'; options: TabularPolicyOptions; tokenizer?: TokenizerSpec }
  /** The tiny character-level transformer (src/model/toy/tiny_char.ts) with these options. */
  | { kind: 'tiny_char'; options: TinyCharOptions }
  /** A Hugging Face model directory (weights, config and tokenizer). */
  | { kind: 'hf'; dir: string };

export interface BuiltPolicy {
  policy: SamplingPolicy;
  tokenizer?: Tokenizer;
}

/**
 * In a worker thread (decodeOnly), HF tokenizers are replaced by the decode-only VocabDecoder: sampling needs
 * only decode() there. (This used to be required: the tokenizer came from @huggingface/transformers, whose
 * onnxruntime-node addon loads on one thread only. @huggingface/tokenizers is pure JS, so a worker could now load
 * the full tokenizer; the lighter decode-only view is kept.)
 */
async function tokenizerFor(spec: TokenizerSpec, decodeOnly: boolean): Promise<Tokenizer> {
  if (spec === 'char') return new CharTokenizer();
  return decodeOnly ? loadVocabDecoder(spec) : loadTokenizer(spec);
}

export async function buildPolicyFromSpec(spec: PolicySpec, opts: { decodeOnlyTokenizer?: boolean } = {}): Promise<BuiltPolicy> {
  const decodeOnly = opts.decodeOnlyTokenizer ?? false;
  switch (spec.kind) {
    case 'tabular': {
      const tokenizer = spec.tokenizer ? await tokenizerFor(spec.tokenizer, decodeOnly) : undefined;
      return { policy: createTabularPolicy(spec.options), tokenizer };
    }
    case 'tiny_char': {
      const { createTinyCharPolicy } = await import('../model/toy/tiny_char.js');
      const { policy, tokenizer } = createTinyCharPolicy(spec.options);
      return { policy, tokenizer };
    }
    case 'hf': {
      const { loadPretrained } = await import('../model/hf.js');
      const policy = (await loadPretrained(spec.dir)) as unknown as SamplingPolicy;
      return { policy, tokenizer: await tokenizerFor(spec.dir, decodeOnly) };
    }
    default:
      throw new Error(`unknown policy spec kind "${(spec as { kind: string }).kind}"`);
  }
}
