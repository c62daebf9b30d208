// Hugging Face tokenizers from a LOCAL model directory through @huggingface/transformers. The files are read
// here (never downloaded) and resolved as transformers 5 resolves them: chat_template.jinja over the
// tokenizer_config.json entry, the tokenizer class from tokenizer_config.json with transformers 5's generic
// classes (TokenizersBackend, PreTrainedTokenizerFast) meaning "just tokenizer.json".
import fs from 'node:fs';
import path from 'node:path';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { ChatMessage, Tokenizer } from './tokenizer.js';

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;

  constructor(
    readonly inner: PreTrainedTokenizer,
    readonly dir: string,
  ) {
    // model.vocab includes the added tokens (transformers.js writes them in by id).
    const vocab = (inner as unknown as { model: { vocab: unknown[] } }).model.vocab;
    this.vocabSize = vocab.length;
    const eos = (inner as unknown as { eos_token_id?: number }).eos_token_id;
    if (eos === undefined) throw new Error(`tokenizer in ${dir} defines no eos_token (tokenizer_config.json)`);
    this.eosTokenId = eos;
    this.padTokenId = (inner as unknown as { pad_token_id?: number }).pad_token_id ?? eos;
  }

  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[] {
    return this.inner.encode(text, { add_special_tokens: opts?.addSpecialTokens ?? false });
  }

  decode(ids: number[], opts?: { skipSpecialTokens?: boolean }): string {
    if (ids.length === 0) return '';
    return this.inner.decode(ids, { skip_special_tokens: opts?.skipSpecialTokens ?? false });
  }

  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean }): string {
    if (!(this.inner as unknown as { chat_template?: unknown }).chat_template) {
      throw new Error(`tokenizer in ${this.dir} has no chat template (neither ${CHAT_TEMPLATE_FILE} nor tokenizer_config.json's chat_template)`);
    }
    const out = this.inner.apply_chat_template(messages.map((m) => ({ role: m.role, content: m.content })), {
      tokenize: false,
      add_generation_prompt: opts?.addGenerationPrompt ?? false,
    });
    if (typeof out !== 'string') throw new Error('chat template did not render to a string');
    return out;
  }
}

export const CHAT_TEMPLATE_FILE = 'chat_template.jinja';

/** Class names that add nothing to tokenizer.json (transformers 5 writes TokenizersBackend). */
const GENERIC_CLASSES = new Set(['TokenizersBackend', 'PreTrainedTokenizerFast', 'PreTrainedTokenizer', 'PreTrainedTokenizerBase']);

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message})`);
  }
}

/**
 * tokenizer_config.json with the chat template transformers would use: chat_template.jinja takes priority over
 * the config's chat_template (transformers' PreTrainedTokenizerBase.from_pretrained). A missing
 * tokenizer_config.json is an empty one, as in transformers.
 */
export function resolveTokenizerConfig(dir: string): Record<string, unknown> {
  const cfgFile = path.join(dir, 'tokenizer_config.json');
  const config = fs.existsSync(cfgFile) ? readJson(cfgFile) : {};
  const jinja = path.join(dir, CHAT_TEMPLATE_FILE);
  if (fs.existsSync(jinja)) config.chat_template = fs.readFileSync(jinja, 'utf8');
  return config;
}

/** Load tokenizer.json (+ tokenizer_config.json, chat_template.jinja) from a local directory. No network, ever. */
export async function loadHfTokenizer(dir: string): Promise<HfTokenizer> {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new Error(`tokenizer directory not found: ${abs}`);
  }
  const jsonFile = path.join(abs, 'tokenizer.json');
  if (!fs.existsSync(jsonFile)) throw new Error(`tokenizer file missing: ${jsonFile}`);
  const tokenizerJson = readJson(jsonFile);
  const config = resolveTokenizerConfig(abs);
  // Imported lazily: the package loads onnxruntime-node's native addon, which may be loaded by one thread only
  // (a second thread gets "Module did not self-register"), so rollout workers must never import it.
  const { AutoTokenizer, PreTrainedTokenizer } = await import('@huggingface/transformers');
  const name = typeof config.tokenizer_class === 'string' ? config.tokenizer_class.replace(/Fast$/, '') : 'PreTrainedTokenizer';
  const mapping = (AutoTokenizer as unknown as { TOKENIZER_CLASS_MAPPING: Record<string, typeof PreTrainedTokenizer> }).TOKENIZER_CLASS_MAPPING;
  let cls = mapping[name];
  if (!cls) {
    if (!GENERIC_CLASSES.has(name) && !GENERIC_CLASSES.has(String(config.tokenizer_class))) {
      console.warn(`${abs}: tokenizer_class "${String(config.tokenizer_class)}" has no transformers.js class; using tokenizer.json as is`);
    }
    cls = PreTrainedTokenizer;
  }
  return new HfTokenizer(new cls(tokenizerJson, config), abs);
}
