// Hugging Face config.json for the decoder-only families we run (Qwen2, Llama): parsed and checked with zod.
import { z } from 'zod';

export const SUPPORTED_ARCHITECTURES = ['Qwen2ForCausalLM', 'LlamaForCausalLM'] as const;
export type Architecture = (typeof SUPPORTED_ARCHITECTURES)[number];

/** RoPE scaling variants we implement (others are rejected with a clear error). */
const ropeScalingSchema = z
  .object({
    rope_type: z.string().optional(),
    type: z.string().optional(),
    factor: z.number().optional(),
    low_freq_factor: z.number().optional(),
    high_freq_factor: z.number().optional(),
    original_max_position_embeddings: z.number().optional(),
  })
  .loose();

const idOrIds = z.union([z.number().int(), z.array(z.number().int())]);

/** The raw fields we read from config.json (unknown fields are kept and ignored). */
export const hfConfigSchema = z
  .object({
    architectures: z.array(z.string()).min(1),
    model_type: z.string().optional(),
    hidden_size: z.number().int().positive(),
    intermediate_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive().optional(),
    head_dim: z.number().int().positive().optional().nullable(),
    rms_norm_eps: z.number().positive().default(1e-6),
    rope_theta: z.number().positive().default(10000),
    rope_scaling: ropeScalingSchema.nullable().optional(),
    vocab_size: z.number().int().positive(),
    tie_word_embeddings: z.boolean().default(false),
    attention_bias: z.boolean().optional(),
    mlp_bias: z.boolean().optional(),
    hidden_act: z.string().default('silu'),
    max_position_embeddings: z.number().int().positive().default(2048),
    bos_token_id: idOrIds.nullable().optional(),
    eos_token_id: idOrIds.nullable().optional(),
    pad_token_id: z.number().int().nullable().optional(),
    use_sliding_window: z.boolean().optional(),
    torch_dtype: z.string().optional(),
  })
  .loose();

export type HfConfigJson = z.input<typeof hfConfigSchema>;

export interface RopeScaling {
  type: 'llama3' | 'linear';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** The model's configuration in our own (camelCase, resolved) form. */
export interface ModelConfig {
  architecture: Architecture;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  vocabSize: number;
  tieWordEmbeddings: boolean;
  /** q/k/v projections carry a bias (always for Qwen2; Llama's attention_bias). */
  qkvBias: boolean;
  /** o_proj carries a bias (Llama's attention_bias only). */
  oBias: boolean;
  maxPositionEmbeddings: number;
  bosTokenId: number | null;
  eosTokenIds: number[];
  padTokenId: number | null;
  /** The parsed config.json, kept so that saving writes back every field we did not interpret. */
  raw: Record<string, unknown>;
}

function formatZodError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Parse a config.json object. `source` names the file in errors. */
export function parseHfConfig(json: unknown, source = 'config.json'): ModelConfig {
  const r = hfConfigSchema.safeParse(json);
  if (!r.success) throw new Error(`${source}: invalid model config: ${formatZodError(r.error)}`);
  const c = r.data;
  const arch = c.architectures[0]!;
  if (!(SUPPORTED_ARCHITECTURES as readonly string[]).includes(arch)) {
    throw new Error(
      `${source}: unsupported architecture "${arch}"; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}`,
    );
  }
  const architecture = arch as Architecture;
  if (c.hidden_act !== 'silu') {
    throw new Error(`${source}: unsupported hidden_act "${c.hidden_act}" (only silu is implemented)`);
  }
  if (c.mlp_bias) throw new Error(`${source}: mlp_bias=true is not supported`);
  if (c.use_sliding_window) throw new Error(`${source}: use_sliding_window=true is not supported`);
  const numKvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % numKvHeads !== 0) {
    throw new Error(
      `${source}: num_attention_heads (${c.num_attention_heads}) must be a multiple of num_key_value_heads (${numKvHeads})`,
    );
  }
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new Error(`${source}: head dimension ${headDim} must be an even integer (hidden_size / num_attention_heads or head_dim)`);
  }
  let ropeScaling: RopeScaling | null = null;
  if (c.rope_scaling) {
    const t = c.rope_scaling.rope_type ?? c.rope_scaling.type ?? 'default';
    if (t === 'llama3' || t === 'linear') {
      ropeScaling = {
        type: t,
        factor: c.rope_scaling.factor ?? 1,
        lowFreqFactor: c.rope_scaling.low_freq_factor ?? 1,
        highFreqFactor: c.rope_scaling.high_freq_factor ?? 4,
        originalMaxPositionEmbeddings: c.rope_scaling.original_max_position_embeddings ?? 8192,
      };
    } else if (t !== 'default') {
      throw new Error(`${source}: unsupported rope_scaling type "${t}" (supported: llama3, linear)`);
    }
  }
  const isQwen2 = architecture === 'Qwen2ForCausalLM';
  const eos = c.eos_token_id;
  return {
    architecture,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    numKvHeads,
    headDim,
    rmsNormEps: c.rms_norm_eps,
    ropeTheta: c.rope_theta,
    ropeScaling,
    vocabSize: c.vocab_size,
    tieWordEmbeddings: c.tie_word_embeddings,
    qkvBias: isQwen2 ? true : (c.attention_bias ?? false),
    oBias: isQwen2 ? false : (c.attention_bias ?? false),
    maxPositionEmbeddings: c.max_position_embeddings,
    bosTokenId: Array.isArray(c.bos_token_id) ? (c.bos_token_id[0] ?? null) : (c.bos_token_id ?? null),
    eosTokenIds: eos == null ? [] : Array.isArray(eos) ? eos : [eos],
    padTokenId: c.pad_token_id ?? null,
    raw: json as Record<string, unknown>,
  };
}

/** A config.json object for a config (fields we interpret overwrite those in `raw`). */
export function toHfConfigJson(cfg: ModelConfig): Record<string, unknown> {
  const isQwen2 = cfg.architecture === 'Qwen2ForCausalLM';
  const out: Record<string, unknown> = {
    ...cfg.raw,
    architectures: [cfg.architecture],
    model_type: isQwen2 ? 'qwen2' : 'llama',
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numLayers,
    num_attention_heads: cfg.numHeads,
    num_key_value_heads: cfg.numKvHeads,
    rms_norm_eps: cfg.rmsNormEps,
    rope_theta: cfg.ropeTheta,
    vocab_size: cfg.vocabSize,
    tie_word_embeddings: cfg.tieWordEmbeddings,
    hidden_act: 'silu',
    max_position_embeddings: cfg.maxPositionEmbeddings,
    bos_token_id: cfg.bosTokenId,
    eos_token_id: cfg.eosTokenIds.length === 1 ? cfg.eosTokenIds[0] : cfg.eosTokenIds,
    torch_dtype: 'float32',
  };
  if (cfg.headDim !== cfg.hiddenSize / cfg.numHeads) out.head_dim = cfg.headDim;
  if (!isQwen2) out.attention_bias = cfg.qkvBias;
  if (cfg.padTokenId !== null) out.pad_token_id = cfg.padTokenId;
  return out;
}

/** Convenience for tests and toy models: a config from the fields that matter. */
export function makeConfig(p: {
  architecture?: Architecture;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads?: number;
  vocabSize: number;
  tieWordEmbeddings?: boolean;
  ropeTheta?: number;
  rmsNormEps?: number;
  maxPositionEmbeddings?: number;
  bosTokenId?: number | null;
  eosTokenIds?: number[];
  attentionBias?: boolean;
}): ModelConfig {
  const arch = p.architecture ?? 'Qwen2ForCausalLM';
  const raw: Record<string, unknown> = {
    architectures: [arch],
    hidden_size: p.hiddenSize,
    intermediate_size: p.intermediateSize,
    num_hidden_layers: p.numLayers,
    num_attention_heads: p.numHeads,
    num_key_value_heads: p.numKvHeads ?? p.numHeads,
    rms_norm_eps: p.rmsNormEps ?? 1e-6,
    rope_theta: p.ropeTheta ?? 10000,
    vocab_size: p.vocabSize,
    tie_word_embeddings: p.tieWordEmbeddings ?? false,
    max_position_embeddings: p.maxPositionEmbeddings ?? 2048,
    bos_token_id: p.bosTokenId ?? null,
    eos_token_id: p.eosTokenIds ?? [],
    hidden_act: 'silu',
  };
  if (arch === 'LlamaForCausalLM') raw.attention_bias = p.attentionBias ?? false;
  return parseHfConfig(raw, 'makeConfig');
}
