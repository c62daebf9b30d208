// Writes a tiny random Qwen2 checkpoint directory for tests and demos: config.json (Qwen2ForCausalLM),
// model.safetensors, and a small byte-level BPE tokenizer (tokenizer.json + tokenizer_config.json with a
// ChatML chat template) that src/tokenizer/hf.ts (and transformers' AutoTokenizer) loads from the local directory.
// Weights come from a seeded JS PRNG, so the checkpoint is identical on every machine and backend.
// Script: node dist/src/model/tiny_checkpoint.js OUTDIR [--seed N]
import fs from 'node:fs';
import { makeRng } from '../data/rng.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseHfConfig, type ModelConfig } from './config.js';
import { writeSafetensors, type TensorToWrite, type WritableDtype } from './safetensors.js';
import { expectedHfShapes } from './transformer.js';

export interface TinyCheckpointOptions {
  seed: number;
  hiddenSize?: number;
  intermediateSize?: number;
  numLayers?: number;
  numHeads?: number;
  numKvHeads?: number;
  /** config.json vocab_size: at least the tokenizer's size (default: tokenizer size rounded up to 64). */
  vocab?: number;
  tieWordEmbeddings?: boolean;
  ropeTheta?: number;
  /** Std of the normal init (default 0.02; larger gives peakier, more varied distributions). */
  std?: number;
  /** Biases of q/k/v are random too (default true: exercises the bias path). */
  randomBias?: boolean;
  dtype?: WritableDtype;
  maxPositionEmbeddings?: number;
}

export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

/** GPT-2's byte → printable unicode map used by byte-level BPE. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = '!'.charCodeAt(0); b <= '~'.charCodeAt(0); b++) bs.push(b);
  for (let b = '¡'.charCodeAt(0); b <= '¬'.charCodeAt(0); b++) bs.push(b);
  for (let b = '®'.charCodeAt(0); b <= 'ÿ'.charCodeAt(0); b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const out = new Array<string>(256);
  bs.forEach((b, i) => (out[b] = String.fromCharCode(cs[i]!)));
  return out;
}

/** A few merges for common code fragments (in byte-level form: Ġ is a space, Ċ a newline). */
const MERGES: [string, string][] = [
  ['Ġ', 'Ġ'],
  ['ĠĠ', 'ĠĠ'],
  ['i', 'n'],
  ['r', 'e'],
  ['d', 'e'],
  ['de', 'f'],
  ['Ġ', 'def'],
  ['u', 'r'],
  ['ur', 'n'],
  ['re', 't'],
  ['ret', 'urn'],
  ['Ġ', 'return'],
  ['p', 'r'],
  ['pr', 'in'],
  ['prin', 't'],
  ['Ġ', 'in'],
  ['Ġ', '='],
  ['(', ')'],
  [':', 'Ċ'],
];

export interface TinyTokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Number of ids the tokenizer uses (base vocab + merges + special tokens). */
  size: number;
  specialIds: Record<(typeof SPECIAL_TOKENS)[number], number>;
}

export function tinyTokenizerFiles(): TinyTokenizerFiles {
  const vocab: Record<string, number> = {};
  let next = 0;
  for (const ch of bytesToUnicode()) vocab[ch] = next++;
  const merges: string[] = [];
  for (const [a, b] of MERGES) {
    if (!(a in vocab) || !(b in vocab)) continue; // keep the list self-consistent
    const m = a + b;
    if (m in vocab) continue;
    vocab[m] = next++;
    merges.push(`${a} ${b}`);
  }
  const specialIds = {} as Record<(typeof SPECIAL_TOKENS)[number], number>;
  const added = SPECIAL_TOKENS.map((content) => {
    const id = next++;
    specialIds[content] = id;
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  });
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  const addedDecoder: Record<string, unknown> = {};
  for (const a of added) addedDecoder[String(a.id)] = { content: a.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  const tokenizerConfig = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: addedDecoder,
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    bos_token: null,
    chat_template: CHATML_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: '<|im_end|>',
    errors: 'replace',
    model_max_length: 32768,
    pad_token: '<|endoftext|>',
    split_special_tokens: false,
    tokenizer_class: 'Qwen2Tokenizer',
    unk_token: null,
  };
  return { tokenizerJson, tokenizerConfig, size: next, specialIds };
}


function normals(n: number, std: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export interface TinyCheckpoint {
  dir: string;
  config: ModelConfig;
  tokenizerSize: number;
  specialIds: TinyTokenizerFiles['specialIds'];
}

/** Write the checkpoint directory (created if missing; files inside are overwritten). */
export function writeTinyQwen2Checkpoint(dir: string, opts: TinyCheckpointOptions): TinyCheckpoint {
  const tok = tinyTokenizerFiles();
  const vocab = opts.vocab ?? Math.ceil(tok.size / 64) * 64;
  if (vocab < tok.size) throw new Error(`vocab ${vocab} is smaller than the tokenizer's ${tok.size} ids`);
  const hidden = opts.hiddenSize ?? 64;
  const heads = opts.numHeads ?? 4;
  const configJson = {
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    hidden_size: hidden,
    intermediate_size: opts.intermediateSize ?? 2 * hidden,
    num_hidden_layers: opts.numLayers ?? 2,
    num_attention_heads: heads,
    num_key_value_heads: opts.numKvHeads ?? Math.max(1, heads / 2),
    hidden_act: 'silu',
    max_position_embeddings: opts.maxPositionEmbeddings ?? 4096,
    rms_norm_eps: 1e-6,
    rope_theta: opts.ropeTheta ?? 10000,
    tie_word_embeddings: opts.tieWordEmbeddings ?? true,
    vocab_size: vocab,
    bos_token_id: tok.specialIds['<|endoftext|>'],
    eos_token_id: tok.specialIds['<|im_end|>'],
    use_sliding_window: false,
    sliding_window: null,
    torch_dtype: opts.dtype === 'BF16' ? 'bfloat16' : opts.dtype === 'F16' ? 'float16' : 'float32',
    initializer_range: opts.std ?? 0.02,
  };
  const config = parseHfConfig(configJson, 'tiny checkpoint config');
  const rand = makeRng(opts.seed || 0x9e3779b9); // seed 0 → a fixed non-zero start, so earlier checkpoints regenerate identically
  const std = opts.std ?? 0.02;
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, shape] of expectedHfShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (name.endsWith('norm.weight')) data = Float32Array.from(normals(n, 0.1, rand), (x) => 1 + x);
    else if (name.endsWith('.bias')) data = opts.randomBias === false ? new Float32Array(n) : normals(n, std, rand);
    else data = normals(n, std, rand);
    tensors.set(name, { shape, data });
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(configJson, null, 2) + '\n');
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { dtype: opts.dtype ?? 'F32', metadata: { format: 'pt' } });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tok.tokenizerJson, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tok.tokenizerConfig, null, 2) + '\n');
  fs.writeFileSync(
    path.join(dir, 'generation_config.json'),
    JSON.stringify({ bos_token_id: configJson.bos_token_id, eos_token_id: [configJson.eos_token_id], pad_token_id: tok.specialIds['<|endoftext|>'] }, null, 2) + '\n',
  );
  return { dir, config, tokenizerSize: tok.size, specialIds: tok.specialIds };
}

function main(argv: string[]): void {
  const args = argv.slice(2);
  const out = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--seed');
  const seedIdx = args.indexOf('--seed');
  const seed = seedIdx >= 0 ? Number(args[seedIdx + 1]) : 0;
  if (!out || !Number.isInteger(seed)) {
    console.error('usage: node dist/src/model/tiny_checkpoint.js OUTDIR [--seed N]');
    process.exit(2);
  }
  const r = writeTinyQwen2Checkpoint(out, { seed });
  console.log(`wrote tiny Qwen2 checkpoint to ${r.dir} (vocab ${r.config.vocabSize}, tokenizer ${r.tokenizerSize} ids, seed ${seed})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main(process.argv);
