// Hugging Face model directories: config.json + model.safetensors (or sharded with an index),
// tokenizer files alongside. Loading converts to float32 and to the model's internal layout;
// saving transposes back, writes into a temporary directory and renames it into place.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseHfConfig, toHfConfigJson, type ModelConfig } from './config.js';
import {
  checkpointHeaders,
  INDEX_FILE,
  readSafetensors,
  SINGLE_FILE,
  writeSafetensors,
  WRITABLE_DTYPES,
  type TensorToWrite,
  type WritableDtype,
} from './safetensors.js';
import { expectedHfShapes, isTransposedWeight, Transformer, type TransformerOptions } from './transformer.js';

/** Files of a tokenizer that travel with a checkpoint. */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
  'added_tokens.json',
  'chat_template.jinja',
  'chat_template.json',
  'generation_config.json',
];

/** Tensors that some checkpoints carry and the model does not use (buffers, not weights). */
const IGNORABLE = [/\.rotary_emb\.inv_freq$/];

export function readModelConfig(dir: string): ModelConfig {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`${dir}: no config.json (is this a Hugging Face model directory?)`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message})`);
  }
  return parseHfConfig(json, file);
}

export interface LoadOptions extends TransformerOptions {
  /** Called with names of checkpoint tensors the model does not use (default: console.warn). */
  onUnusedTensors?: (names: string[]) => void;
}

/** The one storage dtype of the model's weights in the files, or null when they are mixed or not writable. */
function storedDtype(headers: Map<string, { dtype: string }>, names: Iterable<string>): WritableDtype | null {
  const seen = new Set<string>();
  for (const n of names) seen.add(headers.get(n)!.dtype);
  const [only] = seen;
  return seen.size === 1 && (WRITABLE_DTYPES as readonly string[]).includes(only!) ? (only as WritableDtype) : null;
}

/**
 * Load a Qwen2/Llama/Qwen3 checkpoint directory (local path only). Weights become float32 in memory; the
 * config remembers their storage dtype, which savePretrained writes back by default (BF16 in, BF16 out).
 */
export function loadPretrained(dir: string, opts: LoadOptions = {}): Transformer {
  const parsed = readModelConfig(dir);
  const expected = expectedHfShapes(parsed);
  const headers = checkpointHeaders(dir);
  for (const [name, shape] of expected) {
    const h = headers.get(name);
    if (!h) throw new Error(`${dir}: missing tensor "${name}" (${parsed.architecture}, ${parsed.numLayers} layers)`);
    if (h.shape.length !== shape.length || h.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${path.basename(h.file)}: tensor "${name}" has shape [${h.shape}], expected [${shape}] from config.json`);
    }
  }
  const config: ModelConfig = { ...parsed, dtype: storedDtype(headers, expected.keys()) ?? parsed.dtype };
  const unused = [...headers.keys()].filter(
    (n) => !expected.has(n) && !IGNORABLE.some((r) => r.test(n)) && !(n === 'lm_head.weight' && config.tieWordEmbeddings),
  );
  if (unused.length) {
    (opts.onUnusedTensors ?? ((u) => console.warn(`${dir}: ${u.length} checkpoint tensors are not used by the model: ${u.slice(0, 5).join(', ')}${u.length > 5 ? ', …' : ''}`)))(unused);
  }
  // One tensor at a time: host memory holds one float32 copy of a single tensor, not of the checkpoint.
  const internal = new Map<string, tf.Tensor>();
  try {
    for (const name of expected.keys()) {
      const t = readSafetensors(headers.get(name)!.file, [name]).get(name)!;
      const hf = tf.tensor(t.data, t.shape, 'float32');
      if (isTransposedWeight(name)) {
        internal.set(name, tf.transpose(hf));
        hf.dispose();
      } else internal.set(name, hf);
    }
    return new Transformer(config, internal, opts);
  } finally {
    tf.dispose([...internal.values()]);
  }
}

/**
 * The model's weights in Hugging Face layout, as host arrays. Async because GPU backends (webgpu in Node)
 * can only read device memory asynchronously.
 */
export async function hfStateDict(model: Transformer): Promise<Map<string, TensorToWrite>> {
  const out = new Map<string, TensorToWrite>();
  for (const [name, t] of model.namedWeights()) {
    const hf = isTransposedWeight(name) ? tf.transpose(t) : t;
    try {
      out.set(name, { shape: hf.shape.slice(), data: (await hf.data()) as Float32Array });
    } finally {
      if (hf !== t) hf.dispose();
    }
  }
  return out;
}

export interface SaveOptions {
  /** Copy tokenizer files from here (those that exist among TOKENIZER_FILES). */
  tokenizerDir?: string;
  /** Storage dtype of the weights (default: the source checkpoint's, else F32; config.json's dtype follows). */
  dtype?: WritableDtype;
  /** Split into shards of at most this many bytes with model.safetensors.index.json (default: transformers' 50 GB). */
  maxShardBytes?: number;
}

/** transformers' save_pretrained default max_shard_size ("50GB", decimal). */
export const DEFAULT_MAX_SHARD_BYTES = 50e9;

/** Write config.json + safetensors (+ tokenizer files) to `dir` atomically (temp dir + rename). */
export async function savePretrained(model: Transformer, dir: string, opts: SaveOptions = {}): Promise<void> {
  const dtype = opts.dtype ?? model.config.dtype ?? 'F32';
  const state = await hfStateDict(model); // read before touching the file system: a failed read leaves nothing behind
  const parent = path.dirname(path.resolve(dir));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}.tmp-`));
  try {
    const cfg = toHfConfigJson(model.config, dtype);
    fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
    writeWeights(state, tmp, dtype, opts.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES);
    if (opts.tokenizerDir) {
      let copied = 0;
      for (const f of TOKENIZER_FILES) {
        const src = path.join(opts.tokenizerDir, f);
        if (fs.existsSync(src)) {
          fs.copyFileSync(src, path.join(tmp, f));
          copied++;
        }
      }
      if (copied === 0) throw new Error(`tokenizerDir ${opts.tokenizerDir} holds none of: ${TOKENIZER_FILES.join(', ')}`);
    }
    replaceDir(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** One file, or shards in state-dict order with an index shaped like transformers' (total_size, total_parameters). */
function writeWeights(state: Map<string, TensorToWrite>, dir: string, dtype: WritableDtype, maxShardBytes: number): void {
  const bytesPer = dtype === 'F32' ? 4 : 2;
  const total = [...state.values()].reduce((a, t) => a + t.data.length * bytesPer, 0);
  if (total <= maxShardBytes) {
    writeSafetensors(path.join(dir, SINGLE_FILE), state, { dtype, metadata: { format: 'pt' } });
    return;
  }
  const shards: Map<string, TensorToWrite>[] = [];
  let cur = new Map<string, TensorToWrite>();
  let curBytes = 0;
  for (const name of state.keys()) {
    const t = state.get(name)!;
    const b = t.data.length * bytesPer;
    if (curBytes > 0 && curBytes + b > maxShardBytes) {
      shards.push(cur);
      cur = new Map();
      curBytes = 0;
    }
    cur.set(name, t);
    curBytes += b;
  }
  shards.push(cur);
  const weightMap: Record<string, string> = {};
  const pad = (i: number) => String(i).padStart(5, '0');
  shards.forEach((s, i) => {
    const file = `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`;
    writeSafetensors(path.join(dir, file), s, { dtype, metadata: { format: 'pt' } });
    for (const name of s.keys()) weightMap[name] = file;
  });
  const params = [...state.values()].reduce((a, t) => a + t.data.length, 0);
  const sortedMap = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const index = { metadata: { total_parameters: params, total_size: total }, weight_map: sortedMap };
  fs.writeFileSync(path.join(dir, INDEX_FILE), JSON.stringify(index, null, 2) + '\n');
}

/** Move `tmp` to `dir`, replacing an existing `dir` (the old one is renamed away first, then removed). */
function replaceDir(tmp: string, dir: string): void {
  if (!fs.existsSync(dir)) {
    fs.renameSync(tmp, dir);
    return;
  }
  const old = `${tmp}.old`;
  fs.renameSync(dir, old);
  try {
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.renameSync(old, dir);
    throw e;
  }
  fs.rmSync(old, { recursive: true, force: true });
}
