export type { ChatMessage, Tokenizer } from './tokenizer.js';
export { CharTokenizer, CHAR_SPECIAL_TOKENS } from './char.js';
export { HfTokenizer, loadHfTokenizer } from './hf.js';
export { loadTokenizer, type TokenizerSpec } from './load.js';
export { VocabDecoder, loadVocabDecoder } from './vocab_decoder.js';
