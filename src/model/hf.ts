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

/** Load a Qwen2/Llama checkpoint directory (local path only). */
export function loadPretrained(dir: string, opts: LoadOptions = {}): Transformer {
  const config = readModelConfig(dir);
  const expected = expectedHfShapes(config);
  const headers = checkpointHeaders(dir);
  for (const [name, shape] of expected) {
    const h = headers.get(name);
    if (!h) throw new Error(`${dir}: missing tensor "${name}" (${config.architecture}, ${config.numLayers} layers)`);
    if (h.shape.length !== shape.length || h.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${path.basename(h.file)}: tensor "${name}" has shape [${h.shape}], expected [${shape}] from config.json`);
    }
  }
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
  /** Storage dtype of the weights (default F32; config.json's torch_dtype follows). */
  dtype?: WritableDtype;
  /** Split into shards of at most this many bytes with model.safetensors.index.json (default: one file). */
  maxShardBytes?: number;
}

const TORCH_DTYPE: Record<WritableDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** Write config.json + safetensors (+ tokenizer files) to `dir` atomically (temp dir + rename). */
export async function savePretrained(model: Transformer, dir: string, opts: SaveOptions = {}): Promise<void> {
  const dtype = opts.dtype ?? 'F32';
  const state = await hfStateDict(model); // read before touching the file system: a failed read leaves nothing behind
  const parent = path.dirname(path.resolve(dir));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}.tmp-`));
  try {
    const cfg = { ...toHfConfigJson(model.config), torch_dtype: TORCH_DTYPE[dtype] };
    fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
    writeWeights(state, tmp, dtype, opts.maxShardBytes);
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

function writeWeights(state: Map<string, TensorToWrite>, dir: string, dtype: WritableDtype, maxShardBytes?: number): void {
  const bytesPer = dtype === 'F32' ? 4 : 2;
  const total = [...state.values()].reduce((a, t) => a + t.data.length * bytesPer, 0);
  if (!maxShardBytes || total <= maxShardBytes) {
    writeSafetensors(path.join(dir, SINGLE_FILE), state, { dtype, metadata: { format: 'pt' } });
    return;
  }
  const shards: Map<string, TensorToWrite>[] = [];
  let cur = new Map<string, TensorToWrite>();
  let curBytes = 0;
  for (const name of [...state.keys()].sort()) {
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
  fs.writeFileSync(path.join(dir, INDEX_FILE), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2) + '\n');
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
