// The Qwen2/Llama/Qwen3 decoder-only transformer on tfjs ops and the fused kernels.
// Weights are tf.Variables named as in Hugging Face checkpoints. Linear weights (HF [out, in]) and
// lm_head (HF [V, H]) are kept TRANSPOSED ([in, out], [H, V]) so every forward matmul is a plain one
// (on wasm transpose flags are 10–70x slower); hf.ts transposes back when saving.
import * as tf from '@tensorflow/tfjs';
import {
  applyRope,
  cachedAttention,
  causalAttention,
  embeddingLookup,
  linear,
  MASKED,
  rmsNorm,
  ropeAttentionScale,
  ropeCosSin,
  ropeInvFreq,
  swiglu,
  tokenLogProbs,
} from '../../kernels/index.js';
import { dataSyncIfReadable } from '../backend/sync_read.js';
import type { ModelConfig } from './config.js';
import type { Decoder, KVCache } from './decoder.js';
import { DEFAULT_KV_CHUNK, TransformerKVCache } from './kv_cache.js';
import type { Policy, ScoreArgs } from './policy.js';

export { causalPaddingBias } from '../../kernels/index.js';
export { TransformerKVCache } from './kv_cache.js';

type T1 = tf.Tensor1D;
type T2 = tf.Tensor2D;
type T3 = tf.Tensor3D;
type T4 = tf.Tensor4D;

/** True for weights stored transposed relative to their Hugging Face layout. */
export function isTransposedWeight(name: string): boolean {
  return name.endsWith('_proj.weight') || name === 'lm_head.weight';
}

/** Every weight the model has, with its Hugging Face shape (the layout on disk). */
export function expectedHfShapes(cfg: ModelConfig): Map<string, number[]> {
  const h = cfg.hiddenSize;
  const qOut = cfg.numHeads * cfg.headDim;
  const kvOut = cfg.numKvHeads * cfg.headDim;
  const m = new Map<string, number[]>();
  m.set('model.embed_tokens.weight', [cfg.vocabSize, h]);
  for (let i = 0; i < cfg.numLayers; i++) {
    const p = `model.layers.${i}.`;
    m.set(p + 'input_layernorm.weight', [h]);
    m.set(p + 'self_attn.q_proj.weight', [qOut, h]);
    m.set(p + 'self_attn.k_proj.weight', [kvOut, h]);
    m.set(p + 'self_attn.v_proj.weight', [kvOut, h]);
    if (cfg.qkvBias) {
      m.set(p + 'self_attn.q_proj.bias', [qOut]);
      m.set(p + 'self_attn.k_proj.bias', [kvOut]);
      m.set(p + 'self_attn.v_proj.bias', [kvOut]);
    }
    if (cfg.qkNorm) {
      m.set(p + 'self_attn.q_norm.weight', [cfg.headDim]);
      m.set(p + 'self_attn.k_norm.weight', [cfg.headDim]);
    }
    m.set(p + 'self_attn.o_proj.weight', [h, qOut]);
    if (cfg.oBias) m.set(p + 'self_attn.o_proj.bias', [h]);
    m.set(p + 'post_attention_layernorm.weight', [h]);
    m.set(p + 'mlp.gate_proj.weight', [cfg.intermediateSize, h]);
    m.set(p + 'mlp.up_proj.weight', [cfg.intermediateSize, h]);
    m.set(p + 'mlp.down_proj.weight', [h, cfg.intermediateSize]);
  }
  m.set('model.norm.weight', [h]);
  if (!cfg.tieWordEmbeddings) m.set('lm_head.weight', [cfg.vocabSize, h]);
  return m;
}

/** The model's own (internal) shape of a weight: transposed 2-D for linear weights. */
export function internalShape(name: string, hfShape: number[]): number[] {
  return isTransposedWeight(name) ? [hfShape[1]!, hfShape[0]!] : hfShape;
}

interface LayerWeights {
  inputNorm: tf.Variable;
  q: tf.Variable;
  k: tf.Variable;
  v: tf.Variable;
  qb?: tf.Variable;
  kb?: tf.Variable;
  vb?: tf.Variable;
  /** Qwen3's per-head RMSNorm weights of q and k [headDim]. */
  qNorm?: tf.Variable;
  kNorm?: tf.Variable;
  o: tf.Variable;
  ob?: tf.Variable;
  postNorm: tf.Variable;
  gate: tf.Variable;
  up: tf.Variable;
  down: tf.Variable;
}

export interface TransformerOptions {
  /** Tokens per chunk of the fused log-prob op (default: sized so one [chunk, V] tensor is ≤ 64 MB). */
  logProbChunkSize?: number;
  /** Variables are trainable (default true). A frozen reference model passes false. */
  trainable?: boolean;
  /** Positions per KV-cache chunk while decoding (default DEFAULT_KV_CHUNK; see kv_cache.ts). */
  kvCacheChunk?: number;
}

interface StackOutput {
  /** Hidden states BEFORE the final norm, [B·L, H]. */
  x: T2;
  /** Per layer: roped keys [B, Hkv, L, d] and values [B, Hkv, L, d] (only when asked). */
  keys?: T4[];
  values?: T4[];
}

export class Transformer implements Policy, Decoder {
  readonly config: ModelConfig;
  readonly vocabSize: number;
  private readonly weights = new Map<string, tf.Variable>();
  private readonly layers: LayerWeights[] = [];
  /** inv_freq for sequences within max_position_embeddings (dynamic RoPE recomputes it beyond). */
  private readonly invFreq: Float32Array;
  private readonly ropeScale: number;
  private readonly logProbChunkSize?: number;
  private readonly kvCacheChunk: number;
  /** Transposed tied embedding for inference, valid while the embedding variable's data is unchanged. */
  private tiedHeadCache: { dataId: object; head: T2 } | null = null;
  private disposed = false;

  /**
   * Build from weights in the model's INTERNAL layout (see isTransposedWeight), keyed by HF name.
   * Takes ownership of nothing: the tensors are copied into new variables.
   */
  constructor(config: ModelConfig, internalWeights: Map<string, tf.Tensor>, opts: TransformerOptions = {}) {
    this.config = config;
    this.vocabSize = config.vocabSize;
    this.logProbChunkSize = opts.logProbChunkSize;
    this.kvCacheChunk = opts.kvCacheChunk ?? DEFAULT_KV_CHUNK;
    this.invFreq = ropeInvFreq(config.headDim, config.ropeTheta, config.ropeScaling);
    this.ropeScale = ropeAttentionScale(config.ropeScaling);
    const trainable = opts.trainable ?? true;
    const expected = expectedHfShapes(config);
    for (const name of internalWeights.keys()) {
      if (!expected.has(name)) throw new Error(`unexpected weight "${name}" for this ${config.architecture} config`);
    }
    for (const [name, hfShape] of expected) {
      const t = internalWeights.get(name);
      if (!t) throw new Error(`missing weight "${name}"`);
      const want = internalShape(name, hfShape);
      if (!sameShape(t.shape, want)) {
        throw new Error(`weight "${name}" has shape [${t.shape}], expected [${want}] (internal layout)`);
      }
      this.weights.set(name, tf.variable(t.dtype === 'float32' ? t : tf.cast(t, 'float32'), trainable));
    }
    for (let i = 0; i < config.numLayers; i++) {
      const w = (n: string) => this.weights.get(`model.layers.${i}.${n}`);
      this.layers.push({
        inputNorm: w('input_layernorm.weight')!,
        q: w('self_attn.q_proj.weight')!,
        k: w('self_attn.k_proj.weight')!,
        v: w('self_attn.v_proj.weight')!,
        qb: w('self_attn.q_proj.bias'),
        kb: w('self_attn.k_proj.bias'),
        vb: w('self_attn.v_proj.bias'),
        qNorm: w('self_attn.q_norm.weight'),
        kNorm: w('self_attn.k_norm.weight'),
        o: w('self_attn.o_proj.weight')!,
        ob: w('self_attn.o_proj.bias'),
        postNorm: w('post_attention_layernorm.weight')!,
        gate: w('mlp.gate_proj.weight')!,
        up: w('mlp.up_proj.weight')!,
        down: w('mlp.down_proj.weight')!,
      });
    }
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.weights.values()].filter((v) => v.trainable);
  }

  /** Live variables by HF name, in the INTERNAL layout (linear weights transposed: see isTransposedWeight). */
  namedWeights(): Map<string, tf.Tensor> {
    return new Map(this.weights);
  }

  /** Overwrite weights (internal layout) by name, e.g. after a weight broadcast. Unknown names are an error. */
  setWeights(named: Map<string, tf.Tensor>): void {
    for (const [name, t] of named) {
      const v = this.weights.get(name);
      if (!v) throw new Error(`setWeights: unknown weight "${name}"`);
      if (!sameShape(v.shape, t.shape)) throw new Error(`setWeights: "${name}" has shape [${t.shape}], expected [${v.shape}]`);
      v.assign(t.dtype === 'float32' ? t : tf.cast(t, 'float32'));
    }
  }

  private w(name: string): tf.Variable {
    return this.weights.get(name)!;
  }

  /** LM head [H, V] for a differentiable pass (tied: a transpose recorded on the tape). */
  private trainHead(): T2 {
    if (!this.config.tieWordEmbeddings) return this.w('lm_head.weight') as T2;
    return tf.transpose(this.w('model.embed_tokens.weight')) as T2;
  }

  /** LM head [H, V] for inference: the tied transpose is cached until the embedding changes. */
  private inferenceHead(): T2 {
    if (!this.config.tieWordEmbeddings) return this.w('lm_head.weight') as T2;
    const emb = this.w('model.embed_tokens.weight');
    const dataId = (emb as unknown as { dataId: object }).dataId;
    if (this.tiedHeadCache?.dataId !== dataId) {
      this.tiedHeadCache?.head.dispose();
      this.tiedHeadCache = { dataId, head: tf.keep(tf.transpose(emb) as T2) };
    }
    return this.tiedHeadCache.head;
  }

  /**
   * cos/sin for positions [B, L]. `bound` is an upper bound of the highest position + 1: dynamic RoPE changes
   * only beyond max_position_embeddings, where the exact highest position is read (transformers: max(position_ids) + 1).
   */
  private rope(positions: T2, bound: number): { cos: T4; sin: T4 } {
    const s = this.config.ropeScaling;
    let inv = this.invFreq;
    if (s?.type === 'dynamic' && bound > s.maxPositionEmbeddings) {
      const top = tf.max(positions);
      const seqLen = (top.dataSync()[0] ?? 0) + 1;
      top.dispose();
      inv = ropeInvFreq(this.config.headDim, this.config.ropeTheta, s, seqLen);
    }
    return ropeCosSin(positions, inv, this.ropeScale);
  }

  /** Projection of q or k, with Qwen3's per-head RMSNorm (over headDim, before RoPE). */
  private qk(h: T2, w: tf.Variable, b: tf.Variable | undefined, norm: tf.Variable | undefined): T2 {
    const y = linear(h, w as T2, b as T1 | undefined);
    if (!norm) return y;
    const d = this.config.headDim;
    return tf.reshape(rmsNorm(tf.reshape(y, [-1, d]) as T2, norm as T1, this.config.rmsNormEps), y.shape) as T2;
  }

  private embed(ids: T2): T2 {
    return embeddingLookup(this.w('model.embed_tokens.weight') as T2, tf.reshape(tf.cast(ids, 'int32'), [-1]) as T1);
  }

  /**
   * One decoder layer on hidden states x [B·L, H]: norm → attention → residual → norm → MLP → residual.
   * `toHeads` lays a projection out as [B, heads, L, d]; `attend` maps the roped q, k and v heads to the
   * attention output [B·L, numHeads·d]. Only the attention differs between the full pass and a cached decode step.
   */
  private block(x: T2, lw: LayerWeights, toHeads: (t: T2, heads: number) => T4, rope: { cos: T4; sin: T4 }, attend: (q: T4, k: T4, v: T4) => T2): T2 {
    const cfg = this.config;
    const h = rmsNorm(x, lw.inputNorm as T1, cfg.rmsNormEps);
    const q = applyRope(toHeads(this.qk(h, lw.q, lw.qb, lw.qNorm), cfg.numHeads), rope.cos, rope.sin);
    const k = applyRope(toHeads(this.qk(h, lw.k, lw.kb, lw.kNorm), cfg.numKvHeads), rope.cos, rope.sin);
    const v = toHeads(linear(h, lw.v as T2, lw.vb as T1 | undefined), cfg.numKvHeads);
    const attended = tf.add(x, linear(attend(q, k, v), lw.o as T2, lw.ob as T1 | undefined)) as T2;
    const h2 = rmsNorm(attended, lw.postNorm as T1, cfg.rmsNormEps);
    const mlp = swiglu(linear(h2, lw.gate as T2), linear(h2, lw.up as T2));
    return tf.add(attended, linear(mlp, lw.down as T2)) as T2;
  }

  /** The transformer stack on [B, L] ids; positions [B, L] and the key mask [B, L] (1 = real token) are given. */
  private runStack(ids: T2, positions: T2, keyMask: T2, keepKv: boolean): StackOutput {
    const cfg = this.config;
    const [bsz, len] = ids.shape;
    const d = cfg.headDim;
    const rope = this.rope(positions, len);
    const keys: T4[] = [];
    const values: T4[] = [];
    const toHeads = (t: T2, n: number) => tf.transpose(tf.reshape(t, [bsz, len, n, d]), [0, 2, 1, 3]) as T4;
    const attend = (q: T4, k: T4, v: T4): T2 => {
      if (keepKv) {
        keys.push(k);
        values.push(v);
      }
      const a = causalAttention(q, k, v, keyMask);
      return tf.reshape(tf.transpose(a, [0, 2, 1, 3]), [bsz * len, cfg.numHeads * d]) as T2;
    };
    let x = this.embed(ids);
    for (const lw of this.layers) x = this.block(x, lw, toHeads, rope, attend);
    return keepKv ? { x, keys, values } : { x };
  }

  private finalNorm(x: T2): T2 {
    return rmsNorm(x, this.w('model.norm.weight') as T1, this.config.rmsNormEps);
  }

  /** Full causal pass over left/right-padded rows: positions from the mask (HF: cumsum(mask) − 1). */
  private fullStack(ids: T2, attentionMask: T2, keepKv: boolean): StackOutput {
    checkIdsAndMask(ids, attentionMask, this.vocabSize);
    const positions = positionsFromMask(attentionMask);
    // No [B, L, L] bias: attention builds the causal + padding bias block by block from the mask.
    return this.runStack(ids, positions, tf.cast(attentionMask, 'float32') as T2, keepKv);
  }

  forwardLogits(ids: T2, attentionMask: T2): T3 {
    return tf.tidy(() => {
      const [bsz, len] = ids.shape;
      const { x } = this.fullStack(ids, attentionMask, false);
      return tf.reshape(tf.matMul(this.finalNorm(x), this.inferenceHead()), [bsz, len, this.vocabSize]) as T3;
    });
  }

  /** Hidden states after the final norm, [B, L, H] (for probes and value heads). */
  hiddenStates(ids: T2, attentionMask: T2): T3 {
    return tf.tidy(() => {
      const [bsz, len] = ids.shape;
      const { x } = this.fullStack(ids, attentionMask, false);
      return tf.reshape(this.finalNorm(x), [bsz, len, this.config.hiddenSize]) as T3;
    });
  }

  scoreResponses(args: ScoreArgs): { logProbs: T2; entropy?: T2 } {
    const { ids, attentionMask, responseLength: t } = args;
    const [bsz, total] = ids.shape;
    const p = total - t;
    if (!Number.isInteger(t) || t < 1 || p < 1) {
      throw new Error(`scoreResponses: responseLength ${t} must be in [1, ${total - 1}] for ids of width ${total} (at least one prompt column)`);
    }
    const withEntropy = args.withEntropy ?? false;
    return tf.tidy(() => {
      const { x } = this.fullStack(ids, attentionMask, false);
      const h = this.config.hiddenSize;
      // Token at column c is predicted from position c − 1: response columns p..p+t−1 ← positions p−1..p+t−2.
      const xs = tf.reshape(tf.slice(tf.reshape(x, [bsz, total, h]), [0, p - 1, 0], [bsz, t, h]), [bsz * t, h]) as T2;
      const targets = tf.reshape(tf.slice(tf.cast(ids, 'int32'), [0, p], [bsz, t]), [bsz * t]) as T1;
      const r = tokenLogProbs(this.finalNorm(xs), this.trainHead(), targets, {
        temperature: args.temperature ?? 1,
        withEntropy,
        chunkSize: this.logProbChunkSize,
      });
      const respMask = tf.cast(tf.slice(attentionMask, [0, p], [bsz, t]), 'float32');
      // Padding positions report 0 (and get no gradient).
      const logProbs = tf.mul(tf.reshape(r.logProbs, [bsz, t]), respMask) as T2;
      if (!withEntropy) return { logProbs };
      return { logProbs, entropy: tf.mul(tf.reshape(r.entropy, [bsz, t]), respMask) as T2 };
    });
  }

  prefill(ids: T2, attentionMask: T2, maxTotalLength: number): { logits: T2; cache: KVCache } {
    const [bsz, len] = ids.shape;
    if (maxTotalLength < len) throw new Error(`prefill: maxTotalLength ${maxTotalLength} < prompt width ${len}`);
    const out = tf.tidy(() => {
      const { x, keys, values } = this.fullStack(ids, attentionMask, true);
      const last = tf.reshape(tf.slice(tf.reshape(x, [bsz, len, this.config.hiddenSize]), [0, len - 1, 0], [bsz, 1, -1]), [bsz, -1]) as T2;
      const logits = tf.matMul(this.finalNorm(last), this.inferenceHead());
      const keyMask = tf.cast(attentionMask, 'float32') as T2;
      const nextPos = tf.reshape(tf.cast(tf.sum(keyMask, 1), 'int32'), [bsz, 1]) as T2;
      const keyBias = tf.mul(tf.sub(1, keyMask), MASKED) as T2;
      const kT = keys!.map((k) => tf.transpose(k, [0, 1, 3, 2]) as T4);
      return { logits, kT, v: values!, keyBias, nextPos };
    });
    // The prompt is the first chunk of every layer's cache.
    const cache = new TransformerKVCache(
      out.kT.map((k) => [k]),
      out.v.map((v) => [v]),
      out.keyBias,
      out.nextPos,
      maxTotalLength,
      this.kvCacheChunk,
    );
    return { logits: out.logits as T2, cache };
  }

  decodeStep(ids: T2, cache: KVCache): T2 {
    if (!(cache instanceof TransformerKVCache)) throw new Error('decodeStep: cache was not made by this model');
    if (cache.disposed) throw new Error('decodeStep: cache is disposed');
    const [bsz, one] = ids.shape;
    if (one !== 1) throw new Error(`decodeStep: ids must be [B, 1], got [${ids.shape}]`);
    if (bsz !== cache.rows) throw new Error(`decodeStep: ${bsz} rows for a cache of ${cache.rows}`);
    if (cache.length + 1 > cache.maxTotalLength) {
      throw new Error(`decodeStep: cache is full (${cache.length} of maxTotalLength ${cache.maxTotalLength})`);
    }
    checkIds(ids, this.vocabSize);
    const cfg = this.config;
    const d = cfg.headDim;
    const out = tf.tidy(() => {
      const keyBias = tf.concat([cache.keyBias, tf.zeros([bsz, 1])], 1) as T2; // the new token is real
      const bias = tf.reshape(keyBias, [bsz, 1, keyBias.shape[1]]) as T3;
      const rope = this.rope(cache.nextPos, cache.length + 1);
      const toHeads = (t: T2, n: number) => tf.reshape(t, [bsz, n, 1, d]) as T4;
      const lastK: T4[] = [];
      const lastV: T4[] = [];
      let x = this.embed(ids);
      this.layers.forEach((lw, i) => {
        x = this.block(x, lw, toHeads, rope, (q, k, v) => {
          // k [B, Hkv, 1, d] → [B, Hkv, d, 1] is a reshape (one position).
          const chunks = cache.extended(i, tf.reshape(k, [bsz, cfg.numKvHeads, d, 1]) as T4, v);
          lastK.push(chunks.kT[chunks.kT.length - 1]!);
          lastV.push(chunks.v[chunks.v.length - 1]!);
          return tf.reshape(cachedAttention(q, chunks.kT, chunks.v, bias), [bsz, cfg.numHeads * d]) as T2;
        });
      });
      const logits = tf.matMul(this.finalNorm(x), this.inferenceHead()) as T2;
      return { logits, lastK, lastV, keyBias, nextPos: tf.add(cache.nextPos, 1) as T2 };
    });
    cache.commit(out.lastK, out.lastV, out.keyBias, out.nextPos);
    return out.logits;
  }

  selectRows(cache: KVCache, rows: number[]): void {
    if (!(cache instanceof TransformerKVCache)) throw new Error('selectRows: cache was not made by this model');
    cache.selectRows(rows);
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.weights.values()) n += v.size;
    return n;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.tiedHeadCache?.head.dispose();
    this.tiedHeadCache = null;
    for (const v of this.weights.values()) v.dispose();
    this.weights.clear();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function checkIdsAndMask(ids: T2, mask: T2, vocab: number): void {
  if (ids.rank !== 2) throw new Error(`ids must be [B, L], got rank ${ids.rank}`);
  if (!sameShape(ids.shape, mask.shape)) {
    throw new Error(`attentionMask shape [${mask.shape}] does not match ids shape [${ids.shape}]`);
  }
  checkIds(ids, vocab);
}

function checkIds(ids: T2, vocab: number): void {
  if (ids.dtype !== 'int32') throw new Error(`ids must be int32, got ${ids.dtype}`);
  // Out-of-range ids would silently gather garbage (wasm) or zeros: check on the (small) id tensor.
  // Ids that exist only in GPU memory (webgpu: slices/gathers of a batch) cannot be read synchronously;
  // they are left unchecked rather than forcing a device round trip. Ids made from JS data are always checked.
  const data = dataSyncIfReadable(ids);
  if (data === null) return;
  for (let i = 0; i < data.length; i++) {
    const id = data[i]!;
    if (id < 0 || id >= vocab) throw new Error(`token id ${id} at flat index ${i} is outside the vocabulary [0, ${vocab})`);
  }
}

/** HF: position_ids = cumsum(mask) − 1, with padding positions set to 1. */
export function positionsFromMask(mask: T2): T2 {
  return tf.tidy(() => {
    const m = tf.cast(mask, 'int32');
    const pos = tf.sub(tf.cumsum(m, 1), 1);
    return tf.where(tf.equal(m, 0), tf.onesLike(pos), pos) as T2;
  });
}
