// Hugging Face config.json for the decoder-only families we run (Qwen2, Llama, Qwen3): parsed and checked with
// zod, resolved the way transformers 5 resolves it (RoPE forms in rope_config.ts). A key that would change
// transformers' forward pass and that we do not implement is an error naming it, never ignored.
import { z } from 'zod';
import type { RopeScalingParams } from '../../kernels/rope.js';
import { parseRopeSettings } from './rope_config.js';
import type { WritableDtype } from './safetensors.js';

/** architectures[0] → model_type, for every family the transformer implements. */
export const ARCHITECTURES = { Qwen2ForCausalLM: 'qwen2', LlamaForCausalLM: 'llama', Qwen3ForCausalLM: 'qwen3' } as const;
export type Architecture = keyof typeof ARCHITECTURES;
export const SUPPORTED_ARCHITECTURES = Object.keys(ARCHITECTURES) as Architecture[];

const idOrIds = z.union([z.number().int(), z.array(z.number().int())]);

/** The raw fields we read from config.json (unknown fields are kept; see checkForwardKeys for the ones refused). */
export const hfConfigSchema = z
  .object({
    architectures: z.array(z.string()).min(1).optional(),
    model_type: z.string().optional(),
    hidden_size: z.number().int().positive(),
    intermediate_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive().optional().nullable(),
    head_dim: z.number().int().positive().optional().nullable(),
    rms_norm_eps: z.number().positive().default(1e-6),
    rope_theta: z.number().positive().optional(),
    rope_scaling: z.record(z.string(), z.unknown()).nullable().optional(),
    rope_parameters: z.record(z.string(), z.unknown()).nullable().optional(),
    vocab_size: z.number().int().positive(),
    tie_word_embeddings: z.boolean().optional(),
    attention_bias: z.boolean().optional(),
    mlp_bias: z.boolean().optional(),
    hidden_act: z.string().default('silu'),
    max_position_embeddings: z.number().int().positive().optional(),
    bos_token_id: idOrIds.nullable().optional(),
    eos_token_id: idOrIds.nullable().optional(),
    pad_token_id: z.number().int().nullable().optional(),
    use_sliding_window: z.boolean().optional(),
    layer_types: z.array(z.string()).nullable().optional(),
    torch_dtype: z.string().nullable().optional(),
    dtype: z.string().nullable().optional(),
  })
  .loose();

export type HfConfigJson = z.input<typeof hfConfigSchema>;

/** The RoPE variant in use (the kernel's parameters). */
export type RopeScaling = RopeScalingParams;

/** transformers' per-family defaults for keys a config.json may leave out. */
const FAMILY_DEFAULTS: Record<Architecture, { maxPositions: number; tie: boolean; headDim: (h: number, n: number) => number }> = {
  Qwen2ForCausalLM: { maxPositions: 32768, tie: false, headDim: (h, n) => h / n },
  LlamaForCausalLM: { maxPositions: 2048, tie: false, headDim: (h, n) => h / n },
  // Qwen3Config.head_dim defaults to 128, not hidden_size / heads.
  Qwen3ForCausalLM: { maxPositions: 32768, tie: false, headDim: () => 128 },
};

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
  ropeScaling: RopeScalingParams | null;
  vocabSize: number;
  tieWordEmbeddings: boolean;
  /** q/k/v projections carry a bias (always for Qwen2; attention_bias for Llama and Qwen3). */
  qkvBias: boolean;
  /** o_proj carries a bias (attention_bias for Llama and Qwen3). */
  oBias: boolean;
  /** Qwen3: RMSNorm over each head's q and k (q_norm, k_norm) before RoPE. */
  qkNorm: boolean;
  maxPositionEmbeddings: number;
  bosTokenId: number | null;
  eosTokenIds: number[];
  padTokenId: number | null;
  /** Storage dtype named by config.json (dtype, or the older torch_dtype); null when it names none we write. */
  dtype: WritableDtype | null;
  /** The parsed config.json, kept so that saving writes back every field we did not interpret. */
  raw: Record<string, unknown>;
}

const DTYPES: Record<string, WritableDtype> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };
export const TORCH_DTYPE: Record<WritableDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

function formatZodError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

function resolveArchitecture(c: z.infer<typeof hfConfigSchema>, source: string): Architecture {
  const supported = SUPPORTED_ARCHITECTURES.map((a) => `${a} (${ARCHITECTURES[a]})`).join(', ');
  const arch = c.architectures?.[0] ?? SUPPORTED_ARCHITECTURES.find((a) => ARCHITECTURES[a] === c.model_type);
  if (!arch) {
    throw new Error(`${source}: ${c.model_type ? `unsupported model_type "${c.model_type}"` : 'no architectures and no model_type'}; supported: ${supported}`);
  }
  if (!(arch in ARCHITECTURES)) throw new Error(`${source}: unsupported architecture "${arch}"; supported: ${supported}`);
  const a = arch as Architecture;
  if (c.model_type !== undefined && c.model_type !== ARCHITECTURES[a]) {
    throw new Error(`${source}: model_type "${c.model_type}" does not match architecture ${a} (expected "${ARCHITECTURES[a]}"); supported: ${supported}`);
  }
  return a;
}

/** Keys that change transformers' forward pass for these families and that the transformer does not implement. */
function checkForwardKeys(c: z.infer<typeof hfConfigSchema>, arch: Architecture, source: string): void {
  if (c.hidden_act !== 'silu') throw new Error(`${source}: hidden_act "${c.hidden_act}" is not supported (only silu is implemented)`);
  if (c.mlp_bias && arch === 'LlamaForCausalLM') throw new Error(`${source}: mlp_bias=true is not supported`);
  if (c.use_sliding_window && arch !== 'LlamaForCausalLM') throw new Error(`${source}: use_sliding_window=true is not supported (sliding-window attention)`);
  const other = (c.layer_types ?? []).find((t) => t !== 'full_attention');
  if (other !== undefined && arch !== 'LlamaForCausalLM') throw new Error(`${source}: layer_types contains "${other}"; only full_attention is supported`);
}

/** Parse a config.json object. `source` names the file in errors. */
export function parseHfConfig(json: unknown, source = 'config.json'): ModelConfig {
  const r = hfConfigSchema.safeParse(json);
  if (!r.success) throw new Error(`${source}: invalid model config: ${formatZodError(r.error)}`);
  const c = r.data;
  const architecture = resolveArchitecture(c, source);
  checkForwardKeys(c, architecture, source);
  const defaults = FAMILY_DEFAULTS[architecture];
  const numKvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % numKvHeads !== 0) {
    throw new Error(
      `${source}: num_attention_heads (${c.num_attention_heads}) must be a multiple of num_key_value_heads (${numKvHeads})`,
    );
  }
  const headDim = c.head_dim ?? defaults.headDim(c.hidden_size, c.num_attention_heads);
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new Error(`${source}: head dimension ${headDim} must be an even integer (hidden_size / num_attention_heads or head_dim)`);
  }
  const maxPositionEmbeddings = c.max_position_embeddings ?? defaults.maxPositions;
  const rope = parseRopeSettings(c as Record<string, unknown>, maxPositionEmbeddings, source);
  const isQwen2 = architecture === 'Qwen2ForCausalLM';
  const bias = c.attention_bias ?? false;
  const eos = c.eos_token_id;
  const dtypeName = c.dtype ?? c.torch_dtype;
  return {
    architecture,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    numKvHeads,
    headDim,
    rmsNormEps: c.rms_norm_eps,
    ropeTheta: rope.theta,
    ropeScaling: rope.scaling,
    vocabSize: c.vocab_size,
    tieWordEmbeddings: c.tie_word_embeddings ?? defaults.tie,
    qkvBias: isQwen2 ? true : bias,
    oBias: isQwen2 ? false : bias,
    qkNorm: architecture === 'Qwen3ForCausalLM',
    maxPositionEmbeddings,
    bosTokenId: Array.isArray(c.bos_token_id) ? (c.bos_token_id[0] ?? null) : (c.bos_token_id ?? null),
    eosTokenIds: eos == null ? [] : Array.isArray(eos) ? eos : [eos],
    padTokenId: c.pad_token_id ?? null,
    dtype: dtypeName ? (DTYPES[dtypeName] ?? null) : null,
    raw: json as Record<string, unknown>,
  };
}

/**
 * A config.json object for a config, stored as `dtype`. The source's own keys are kept as they were (its RoPE
 * form included: nothing is added beside rope_parameters), the fields we interpret are written from the config,
 * and the older torch_dtype is replaced by transformers 5's `dtype` so the two can never disagree.
 */
export function toHfConfigJson(cfg: ModelConfig, dtype: WritableDtype = cfg.dtype ?? 'F32'): Record<string, unknown> {
  const { torch_dtype: _old, ...raw } = cfg.raw;
  const out: Record<string, unknown> = {
    ...raw,
    architectures: [cfg.architecture],
    model_type: ARCHITECTURES[cfg.architecture],
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numLayers,
    num_attention_heads: cfg.numHeads,
    num_key_value_heads: cfg.numKvHeads,
    rms_norm_eps: cfg.rmsNormEps,
    vocab_size: cfg.vocabSize,
    tie_word_embeddings: cfg.tieWordEmbeddings,
    hidden_act: 'silu',
    max_position_embeddings: cfg.maxPositionEmbeddings,
    bos_token_id: cfg.bosTokenId,
    eos_token_id: cfg.eosTokenIds.length === 1 ? cfg.eosTokenIds[0] : cfg.eosTokenIds,
    dtype: TORCH_DTYPE[dtype],
  };
  // RoPE: when the source named no RoPE key, write the theta in use (transformers 5's form).
  if (raw.rope_theta === undefined && raw.rope_parameters == null && raw.rope_scaling == null) {
    out.rope_parameters = { rope_type: 'default', rope_theta: cfg.ropeTheta };
  }
  if (cfg.headDim !== FAMILY_DEFAULTS[cfg.architecture].headDim(cfg.hiddenSize, cfg.numHeads)) out.head_dim = cfg.headDim;
  if (cfg.architecture !== 'Qwen2ForCausalLM') out.attention_bias = cfg.qkvBias;
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
  headDim?: number;
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
  if (arch !== 'Qwen2ForCausalLM') raw.attention_bias = p.attentionBias ?? false;
  if (p.headDim !== undefined || arch === 'Qwen3ForCausalLM') raw.head_dim = p.headDim ?? p.hiddenSize / p.numHeads;
  return parseHfConfig(raw, 'makeConfig');
}
