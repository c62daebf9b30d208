// Hugging Face tokenizers from a LOCAL model directory: tokenizer.json through @huggingface/tokenizers
// (Tokenizers.js, pure JS) and the chat template through @huggingface/jinja. The files are read here (never
// downloaded) and resolved as transformers 5 resolves them: chat_template.jinja over the tokenizer_config.json
// entry, the tokenizer class from tokenizer_config.json with transformers 5's generic classes
// (TokenizersBackend, PreTrainedTokenizerFast) meaning "just tokenizer.json". Special tokens, the chat template
// context and LlamaTokenizer's legacy=false handling are those transformers.js 3 applied (this loader used it).
import fs from 'node:fs';
import path from 'node:path';
import { Template } from '@huggingface/jinja';
import * as tokenizers from '@huggingface/tokenizers';
import type { ChatMessage, Tokenizer } from './tokenizer.js';

/**
 * The part of Tokenizers.js' Tokenizer used here. Its published .d.ts files use extensionless relative imports,
 * which NodeNext resolution cannot follow, so the package's types are not usable as they are.
 */
export interface CoreTokenizer {
  model: { vocab: (string | undefined)[]; unk_token_id?: number };
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: ((tokens: string[], pair: null, addSpecialTokens: boolean) => { tokens: string[] }) | null;
  encode(text: string, opts: { add_special_tokens: boolean }): { ids: number[] };
  decode(ids: number[], opts: { skip_special_tokens: boolean }): string;
  tokenize(text: string, opts: { add_special_tokens: boolean }): string[];
  token_to_id(token: string): number | undefined;
  get_added_tokens_decoder(): Map<number, { content: string; special: boolean }>;
}
const lib = tokenizers as unknown as {
  Tokenizer: new (json: object, config: object) => CoreTokenizer;
  MetaspacePreTokenizer: new (config: object) => unknown;
};

/** The special-token keys of tokenizer_config.json a chat template sees (transformers.js' SPECIAL_TOKEN_ATTRIBUTES). */
const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

const SPIECE_UNDERLINE = '▁';

/** A config token entry: a string, or an AddedToken object ({"__type": "AddedToken", "content": ...}). */
function configToken(config: Record<string, unknown>, ...keys: string[]): string | null {
  for (const key of keys) {
    const item = config[key];
    if (!item) continue;
    if (typeof item === 'object') {
      const o = item as { __type?: unknown; content?: unknown };
      if (o.__type === 'AddedToken' && typeof o.content === 'string') return o.content;
      throw new Error(`tokenizer_config.json: unknown token entry for ${key}: ${JSON.stringify(item)}`);
    }
    return String(item);
  }
  return null;
}

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  /** The chat template(s): one string, or named templates (a tokenizer_config.json list). */
  private readonly chatTemplate: string | Record<string, string> | null;
  private readonly specialTokensMap: Record<string, string> = Object.create(null);
  private readonly compiled = new Map<string, Template>();
  /** LlamaTokenizer with legacy=false (transformers.js' LlamaTokenizer._encode_text). */
  private readonly llamaNonLegacy: boolean;
  /** Contents of the special tokens (added tokens marked special + additional_special_tokens). */
  private readonly specialTokens: Set<string>;

  constructor(
    readonly inner: CoreTokenizer,
    readonly config: Record<string, unknown>,
    readonly dir: string,
    opts: { llamaNonLegacy?: boolean } = {},
  ) {
    // model.vocab includes the added tokens (Tokenizers.js writes them in by id).
    this.vocabSize = inner.model.vocab.length;
    const idOf = (t: string | null) => (t === null ? undefined : inner.token_to_id(t));
    const eos = idOf(configToken(config, 'eos_token'));
    if (eos === undefined) throw new Error(`tokenizer in ${dir} defines no eos_token (tokenizer_config.json)`);
    this.eosTokenId = eos;
    this.padTokenId = idOf(configToken(config, 'pad_token', 'eos_token')) ?? eos;
    for (const key of SPECIAL_TOKEN_KEYS) {
      const value = configToken(config, key);
      if (value) this.specialTokensMap[key] = value;
    }
    this.specialTokens = new Set([...inner.get_added_tokens_decoder().values()].filter((t) => t.special).map((t) => t.content));
    for (const t of (config.additional_special_tokens as string[] | undefined) ?? []) this.specialTokens.add(t);
    this.chatTemplate = resolveChatTemplate(config.chat_template);
    this.llamaNonLegacy = opts.llamaNonLegacy ?? false;
    if (this.llamaNonLegacy) {
      inner.normalizer = null;
      inner.pre_tokenizer = new lib.MetaspacePreTokenizer({ type: 'Metaspace', replacement: SPIECE_UNDERLINE, prepend_scheme: 'first' });
    }
  }

  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[] {
    const addSpecialTokens = opts?.addSpecialTokens ?? false;
    if (!this.llamaNonLegacy || text.length === 0) return this.inner.encode(text, { add_special_tokens: addSpecialTokens }).ids;
    // transformers.js' LlamaTokenizer (legacy=false): prefix ▁, and drop it again before a leading special token.
    let tokens = this.inner.tokenize(SPIECE_UNDERLINE + text.replaceAll(SPIECE_UNDERLINE, ' '), { add_special_tokens: false });
    if (tokens.length > 1 && tokens[0] === SPIECE_UNDERLINE && this.specialTokens.has(tokens[1]!)) tokens = tokens.slice(1);
    const post = this.inner.post_processor;
    if (post) tokens = post(tokens, null, addSpecialTokens).tokens;
    const unk = this.inner.model.unk_token_id;
    return tokens.map((t) => (this.inner.token_to_id(t) ?? unk)!);
  }

  decode(ids: number[], opts?: { skipSpecialTokens?: boolean }): string {
    if (ids.length === 0) return '';
    return this.inner.decode(ids, { skip_special_tokens: opts?.skipSpecialTokens ?? false });
  }

  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean }): string {
    const source = this.templateSource();
    let template = this.compiled.get(source);
    if (!template) {
      template = new Template(source);
      this.compiled.set(source, template);
    }
    // The context transformers.js' apply_chat_template passed: messages, add_generation_prompt, tools and
    // documents (none), and the special tokens of tokenizer_config.json.
    return template.render({
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: opts?.addGenerationPrompt ?? false,
      tools: null,
      documents: null,
      ...this.specialTokensMap,
    });
  }

  /** The template to render: the single one, or of named ones "default" (transformers' get_chat_template). */
  private templateSource(): string {
    const t = this.chatTemplate;
    if (!t) throw new Error(`tokenizer in ${this.dir} has no chat template (neither ${CHAT_TEMPLATE_FILE} nor tokenizer_config.json's chat_template)`);
    if (typeof t === 'string') return t;
    if (Object.hasOwn(t, 'default')) return t.default!;
    throw new Error(`tokenizer in ${this.dir} has several chat templates and none named "default": ${Object.keys(t).sort().join(', ')}`);
  }
}

/** tokenizer_config.json's chat_template: a string, or a list of {name, template} (→ a dict by name). */
function resolveChatTemplate(value: unknown): string | Record<string, string> | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const out: Record<string, string> = Object.create(null);
    for (const entry of value as { name?: unknown; template?: unknown }[]) {
      if (typeof entry?.name !== 'string' || typeof entry?.template !== 'string') {
        throw new Error('chat_template must be a list of objects with "name" and "template" properties');
      }
      out[entry.name] = entry.template;
    }
    return out;
  }
  throw new Error(`chat_template must be a string or a list of named templates, got ${typeof value}`);
}

export const CHAT_TEMPLATE_FILE = 'chat_template.jinja';

/** Class names that add nothing to tokenizer.json (transformers 5 writes TokenizersBackend). */
const GENERIC_CLASSES = new Set(['TokenizersBackend', 'PreTrainedTokenizerFast', 'PreTrainedTokenizer', 'PreTrainedTokenizerBase']);

/**
 * Tokenizer classes of transformers.js 3 whose encode/decode is tokenizer.json's own (they differ only in
 * token_type_ids, padding side or translation helpers, none of which rl uses). LlamaTokenizer is handled apart.
 */
const PLAIN_CLASSES = new Set(
  (
    'Albert Bart Bert BlenderbotSmall Blenderbot Bloom CLIP Camembert CodeGen CodeLlama Cohere ConvBert Deberta DebertaV2 ' +
    'DistilBert Electra Esm Falcon GPT2 GPTNeoX Gemma Grok1 Herbert M2M100 MBart50 MBart MPNet Mgpstr MobileBert Nllb ' +
    'Nougat Qwen2 RoFormer Roberta Siglip SpeechT5 SqueezeBert T5 Wav2Vec2CTC XLMRoberta'
  )
    .split(' ')
    .map((n) => `${n}Tokenizer`),
);

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
  // Components a tokenizer.json leaves out are absent (null), as the tokenizers library reads them.
  for (const key of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) tokenizerJson[key] ??= null;
  tokenizerJson.added_tokens ??= [];
  const config = resolveTokenizerConfig(abs);
  const name = typeof config.tokenizer_class === 'string' ? config.tokenizer_class.replace(/Fast$/, '') : 'PreTrainedTokenizer';
  const llama = name === 'LlamaTokenizer';
  if (!llama && !PLAIN_CLASSES.has(name) && !GENERIC_CLASSES.has(name) && !GENERIC_CLASSES.has(String(config.tokenizer_class))) {
    console.warn(`${abs}: tokenizer_class "${String(config.tokenizer_class)}" has no special handling here; using tokenizer.json as is`);
  }
  const inner = new lib.Tokenizer(tokenizerJson, config);
  return new HfTokenizer(inner, config, abs, { llamaNonLegacy: llama && (config.legacy ?? true) === false });
}
