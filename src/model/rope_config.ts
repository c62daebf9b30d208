// RoPE settings from a config.json in every form transformers and the hub use: transformers 5's
// `rope_parameters` ({rope_type, rope_theta, factor, ...}), and the older top-level `rope_theta` + `rope_scaling`
// ({type | rope_type, ...}). Resolved as transformers' RotaryEmbeddingConfigMixin does (rope_parameters first,
// then rope_scaling, then the top-level keys, then the defaults); variants we do not implement are errors.
import type { RopeScalingParams } from '../../kernels/rope.js';

export interface RopeSettings {
  theta: number;
  scaling: RopeScalingParams | null;
}

export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'dynamic', 'yarn', 'llama3'] as const;

type Dict = Record<string, unknown>;

function num(d: Dict, key: string, where: string, fallback?: number): number {
  const v = d[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${where}.${key} is required for rope_type "${String(d.rope_type ?? d.type)}"`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}.${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** yarn's default attention factor (transformers' get_mscale). */
function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/**
 * Parse the RoPE keys of `c` (a config.json object). `maxPositionEmbeddings` is the config's, the default of
 * original_max_position_embeddings for llama3/yarn (as transformers' standardize_rope_params sets it).
 */
export function parseRopeSettings(c: Dict, maxPositionEmbeddings: number, source: string, defaultTheta = 10000): RopeSettings {
  const fromParams = c.rope_parameters != null;
  const where = `${source}: ${fromParams ? 'rope_parameters' : 'rope_scaling'}`;
  const p = (c.rope_parameters ?? c.rope_scaling ?? {}) as Dict;
  if (typeof p !== 'object' || Array.isArray(p)) throw new Error(`${where} must be an object`);
  if (['full_attention', 'sliding_attention'].some((k) => k in p)) {
    throw new Error(`${where}: per-layer-type RoPE parameters are not supported (one global dict only)`);
  }
  const theta = typeof p.rope_theta === 'number' ? p.rope_theta : typeof c.rope_theta === 'number' ? c.rope_theta : defaultTheta;
  if (!(theta > 0)) throw new Error(`${source}: rope_theta must be > 0, got ${theta}`);
  const partial = p.partial_rotary_factor ?? c.partial_rotary_factor;
  // Llama/Qwen2/Qwen3 rotate the whole head in transformers; a partial rotation would change the forward pass.
  if (partial != null && partial !== 1) {
    throw new Error(`${source}: partial_rotary_factor=${JSON.stringify(partial)} is not supported (Llama/Qwen2/Qwen3 rotate the full head_dim)`);
  }
  const type = String(p.rope_type ?? p.type ?? 'default');
  const origMax = () => num(p, 'original_max_position_embeddings', where, typeof c.original_max_position_embeddings === 'number' ? c.original_max_position_embeddings : maxPositionEmbeddings);
  switch (type) {
    case 'default':
      return { theta, scaling: null };
    case 'linear':
      return { theta, scaling: { type: 'linear', factor: num(p, 'factor', where) } };
    case 'dynamic':
      return { theta, scaling: { type: 'dynamic', factor: num(p, 'factor', where), maxPositionEmbeddings } };
    case 'llama3':
      return {
        theta,
        scaling: {
          type: 'llama3',
          factor: num(p, 'factor', where),
          lowFreqFactor: num(p, 'low_freq_factor', where),
          highFreqFactor: num(p, 'high_freq_factor', where),
          originalMaxPositionEmbeddings: origMax(),
        },
      };
    case 'yarn': {
      const original = origMax();
      const factor = p.factor == null ? maxPositionEmbeddings / original : num(p, 'factor', where);
      let attentionFactor: number;
      if (p.attention_factor != null) attentionFactor = num(p, 'attention_factor', where);
      else if (p.mscale && p.mscale_all_dim) {
        attentionFactor = yarnMscale(factor, num(p, 'mscale', where)) / yarnMscale(factor, num(p, 'mscale_all_dim', where));
      } else attentionFactor = yarnMscale(factor);
      return {
        theta,
        scaling: {
          type: 'yarn',
          factor,
          originalMaxPositionEmbeddings: original,
          // transformers: `get("beta_fast") or 32` (0 and null both mean the default)
          betaFast: (p.beta_fast as number) || 32,
          betaSlow: (p.beta_slow as number) || 1,
          truncate: p.truncate === undefined ? true : Boolean(p.truncate),
          attentionFactor,
        },
      };
    }
    default:
      throw new Error(`${where}.rope_type "${type}" is not supported (supported: ${SUPPORTED_ROPE_TYPES.join(', ')})`);
  }
}
