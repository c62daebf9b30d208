// The one place a policy and its tokenizer are built: by the trainer (from its config), by the frozen reference
// and `rl generate` (from a saved directory), and by a rollout worker, which rebuilds the parent's policy from a
// plain, structured-cloneable PolicySpec. The weights never travel in the spec; a worker gets them through the
// pool's SharedArrayBuffer.
import fs from 'node:fs';
import path from 'node:path';
import { CharTokenizer } from '../tokenizer/char.js';
import { loadTokenizer, type TokenizerSpec } from '../tokenizer/load.js';
import { loadVocabDecoder } from '../tokenizer/vocab_decoder.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { Decoder } from './decoder.js';
import type { Policy } from './policy.js';
import { createTabularPolicy, type TabularPolicyOptions } from './toy/tabular.js';
import type { TinyCharOptions } from './toy/tiny_char.js';
import type { Transformer } from './transformer.js';

export type SamplingPolicy = Policy & Decoder;

export type PolicySpec =
  | { kind: 'tabular'; options: TabularPolicyOptions; tokenizer?: TokenizerSpec }
  /** The tiny character-level transformer (src/model/toy/tiny_char.ts) with these options. */
  | { kind: 'tiny_char'; options: TinyCharOptions }
  /** A Hugging Face model directory (weights, config and tokenizer), or one saved by rl. */
  | { kind: 'hf'; dir: string };

export interface BuiltPolicy {
  policy: SamplingPolicy;
  tokenizer?: Tokenizer;
}

export interface PolicyBuildOptions {
  /**
   * Load HF tokenizers as the decode-only VocabDecoder: a worker thread's sampler needs only decode(). (This
   * used to be required: the tokenizer came from @huggingface/transformers, whose onnxruntime-node addon loads
   * on one thread only. @huggingface/tokenizers is pure JS, so a worker could now load the full tokenizer; the
   * lighter decode-only view is kept.)
   */
  decodeOnlyTokenizer?: boolean;
  /** Variables are trainable (default true). A frozen reference model passes false. */
  trainable?: boolean;
}

/** Marks a saved model directory whose tokenizer is the built-in character tokenizer. */
export const CHAR_TOKENIZER_MARKER = 'rl_char_tokenizer.json';

/** Write the marker that makes loadPolicyDir pick the character tokenizer for `dir`. */
export function markCharTokenizer(dir: string): void {
  fs.writeFileSync(path.join(dir, CHAR_TOKENIZER_MARKER), JSON.stringify({ type: 'char' }) + '\n');
}

async function tokenizerFor(spec: TokenizerSpec, decodeOnly: boolean): Promise<Tokenizer> {
  if (spec === 'char') return new CharTokenizer();
  return decodeOnly ? loadVocabDecoder(spec) : loadTokenizer(spec);
}

/** A model directory (HF layout) with its tokenizer: the character tokenizer where rl saved one, else the directory's. */
export async function loadPolicyDir(dir: string, opts: PolicyBuildOptions = {}): Promise<{ policy: Transformer; tokenizer: Tokenizer }> {
  if (!fs.existsSync(path.join(dir, 'config.json'))) throw new Error(`model directory ${dir} has no config.json`);
  const isChar = fs.existsSync(path.join(dir, CHAR_TOKENIZER_MARKER));
  const tokenizer = await tokenizerFor(isChar ? 'char' : dir, opts.decodeOnlyTokenizer ?? false);
  // Loaded on demand: a tabular worker never pulls in the checkpoint reader.
  const { loadPretrained } = await import('./hf.js');
  return { policy: loadPretrained(dir, { trainable: opts.trainable }), tokenizer };
}

export async function buildPolicyFromSpec(spec: PolicySpec, opts: PolicyBuildOptions = {}): Promise<BuiltPolicy> {
  switch (spec.kind) {
    case 'tabular': {
      const tokenizer = spec.tokenizer ? await tokenizerFor(spec.tokenizer, opts.decodeOnlyTokenizer ?? false) : undefined;
      return { policy: createTabularPolicy(spec.options), tokenizer };
    }
    case 'tiny_char': {
      const { createTinyCharPolicy } = await import('./toy/tiny_char.js');
      const { policy, tokenizer } = createTinyCharPolicy(spec.options);
      return { policy, tokenizer };
    }
    case 'hf':
      return loadPolicyDir(spec.dir, opts);
    default:
      throw new Error(`unknown policy spec kind "${(spec as { kind: string }).kind}"`);
  }
}
