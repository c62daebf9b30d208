// One entry point for tokenizers: the built-in character tokenizer or a Hugging Face model directory.
import { CharTokenizer } from './char.js';
import { loadHfTokenizer } from './hf.js';
import type { Tokenizer } from './tokenizer.js';

/** 'char' → the character tokenizer; anything else is a local directory holding tokenizer.json. */
export type TokenizerSpec = 'char' | string;

export async function loadTokenizer(spec: TokenizerSpec): Promise<Tokenizer> {
  if (spec === 'char') return new CharTokenizer();
  return loadHfTokenizer(spec);
}
