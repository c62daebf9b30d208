import { describe, expect, it } from 'vitest';
import { makeConfig, parseHfConfig, toHfConfigJson } from '../../src/model/config.js';

// Field values as in Qwen2.5-0.5B-Instruct's and Llama-3.2-1B's config.json.
const QWEN = {
  architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24,
  num_attention_heads: 14, num_key_value_heads: 2, rms_norm_eps: 1e-6, rope_theta: 1000000.0, vocab_size: 151936,
  tie_word_embeddings: true, max_position_embeddings: 32768, bos_token_id: 151643, eos_token_id: 151645, hidden_act: 'silu',
  use_sliding_window: false, sliding_window: 32768, torch_dtype: 'bfloat16',
};
const LLAMA = {
  architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16,
  num_attention_heads: 32, num_key_value_heads: 8, head_dim: 64, rms_norm_eps: 1e-5, rope_theta: 500000.0, vocab_size: 128256,
  tie_word_embeddings: true, max_position_embeddings: 131072, bos_token_id: 128000, eos_token_id: [128001, 128008, 128009],
  attention_bias: false, mlp_bias: false, hidden_act: 'silu',
  rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
};

describe('HF config parsing', () => {
  it('reads Qwen2 (q/k/v bias, GQA, tied)', () => {
    const c = parseHfConfig(QWEN);
    expect(c).toMatchObject({
      architecture: 'Qwen2ForCausalLM', hiddenSize: 896, numHeads: 14, numKvHeads: 2, headDim: 64, qkvBias: true, oBias: false,
      ropeTheta: 1e6, vocabSize: 151936, tieWordEmbeddings: true, eosTokenIds: [151645], bosTokenId: 151643, ropeScaling: null,
    });
  });

  it('reads Llama (no bias, several eos ids, llama3 rope scaling)', () => {
    const c = parseHfConfig(LLAMA);
    expect(c).toMatchObject({ architecture: 'LlamaForCausalLM', qkvBias: false, oBias: false, numKvHeads: 8, eosTokenIds: [128001, 128008, 128009] });
    expect(c.ropeScaling).toMatchObject({ type: 'llama3', factor: 32, originalMaxPositionEmbeddings: 8192 });
    expect(parseHfConfig({ ...LLAMA, attention_bias: true })).toMatchObject({ qkvBias: true, oBias: true });
  });

  it('names what is wrong', () => {
    expect(() => parseHfConfig({ ...QWEN, architectures: ['GPT2LMHeadModel'] }, 'x/config.json')).toThrow(
      /x\/config.json: unsupported architecture "GPT2LMHeadModel"; supported: Qwen2ForCausalLM \(qwen2\), LlamaForCausalLM \(llama\), Qwen3ForCausalLM \(qwen3\)/,
    );
    expect(() => parseHfConfig({ ...QWEN, hidden_size: 'big' })).toThrow(/hidden_size/);
    const { vocab_size: _, ...noVocab } = QWEN;
    expect(() => parseHfConfig(noVocab)).toThrow(/vocab_size/);
    expect(() => parseHfConfig({ ...QWEN, num_key_value_heads: 3 })).toThrow(/multiple of num_key_value_heads/);
    expect(() => parseHfConfig({ ...QWEN, hidden_act: 'gelu' })).toThrow(/hidden_act "gelu" is not supported/);
    expect(() => parseHfConfig({ ...LLAMA, rope_scaling: { rope_type: 'longrope', factor: 4 } })).toThrow(/rope_scaling.rope_type "longrope" is not supported \(supported: default, linear, dynamic, yarn, llama3\)/);
  });

  it('writes back a config.json that parses to the same config', () => {
    for (const raw of [QWEN, LLAMA]) {
      const c = parseHfConfig(raw);
      const again = parseHfConfig(toHfConfigJson(c));
      // A config.json without a dtype key is written as float32 (what rl stores then).
      expect({ ...again, raw: null }).toEqual({ ...c, raw: null, dtype: c.dtype ?? 'F32' });
    }
    const small = makeConfig({ hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2, vocabSize: 10 });
    expect(small.numKvHeads).toBe(2);
  });
});

// transformers 5's form of the same Qwen3-0.6B / Llama-3.2 fields.
const QWEN3 = {
  architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', hidden_size: 1024, intermediate_size: 3072, num_hidden_layers: 28,
  num_attention_heads: 16, num_key_value_heads: 8, head_dim: 128, rms_norm_eps: 1e-6, vocab_size: 151936, tie_word_embeddings: true,
  max_position_embeddings: 40960, bos_token_id: 151643, eos_token_id: 151645, hidden_act: 'silu', attention_bias: false,
  use_sliding_window: false, sliding_window: null, layer_types: Array(28).fill('full_attention'), dtype: 'bfloat16',
  rope_parameters: { rope_type: 'default', rope_theta: 1000000 },
};

describe('transformers 5 config forms', () => {
  it('reads rope_parameters (theta, type) instead of defaulting to theta 10000', () => {
    const c = parseHfConfig(QWEN3);
    expect(c).toMatchObject({ architecture: 'Qwen3ForCausalLM', ropeTheta: 1e6, ropeScaling: null, headDim: 128, qkNorm: true, qkvBias: false, oBias: false, dtype: 'BF16' });
    const { rope_scaling: _, rope_theta: __, ...llama } = LLAMA;
    const l = parseHfConfig({ ...llama, rope_parameters: { ...LLAMA.rope_scaling, rope_theta: 500000 } });
    expect(l.ropeTheta).toBe(500000);
    expect(l.ropeScaling).toEqual({ type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 });
  });

  it('reads every RoPE variant with transformers defaults (yarn attention factor, original length)', () => {
    const { rope_scaling: _, ...base } = LLAMA;
    const yarn = parseHfConfig({ ...base, max_position_embeddings: 32768, rope_parameters: { rope_type: 'yarn', rope_theta: 1e6, factor: 4 } });
    expect(yarn.ropeScaling).toEqual({ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32768, betaFast: 32, betaSlow: 1, truncate: true, attentionFactor: 0.1 * Math.log(4) + 1 });
    expect(parseHfConfig({ ...base, rope_scaling: { type: 'linear', factor: 2 } }).ropeScaling).toEqual({ type: 'linear', factor: 2 });
    expect(parseHfConfig({ ...base, rope_scaling: { type: 'dynamic', factor: 2 } }).ropeScaling).toEqual({ type: 'dynamic', factor: 2, maxPositionEmbeddings: 131072 });
    expect(parseHfConfig({ ...base, rope_parameters: { rope_type: 'default', rope_theta: 7 } }).ropeScaling).toBeNull();
  });

  it('Qwen3 without head_dim uses transformers default 128, not hidden_size / heads', () => {
    const { head_dim: _, ...q } = QWEN3;
    expect(parseHfConfig({ ...q, hidden_size: 512 }).headDim).toBe(128);
    expect(parseHfConfig({ ...QWEN, head_dim: 128 }).headDim).toBe(128);
  });

  it('a forward-changing key rl does not implement fails naming it', () => {
    expect(() => parseHfConfig({ ...QWEN3, rope_parameters: { rope_type: 'default', rope_theta: 1e6, partial_rotary_factor: 0.5 } })).toThrow(/partial_rotary_factor=0.5 is not supported/);
    expect(() => parseHfConfig({ ...QWEN, partial_rotary_factor: 0.25 })).toThrow(/partial_rotary_factor/);
    expect(() => parseHfConfig({ ...QWEN3, use_sliding_window: true })).toThrow(/use_sliding_window=true is not supported/);
    expect(() => parseHfConfig({ ...QWEN3, layer_types: ['sliding_attention', 'full_attention'] })).toThrow(/layer_types contains "sliding_attention"/);
    expect(() => parseHfConfig({ ...LLAMA, mlp_bias: true })).toThrow(/mlp_bias=true/);
    expect(() => parseHfConfig({ ...QWEN3, rope_parameters: { full_attention: { rope_type: 'default' } } })).toThrow(/per-layer-type RoPE/);
    expect(() => parseHfConfig({ ...QWEN3, rope_parameters: { rope_type: 'llama3', rope_theta: 1, factor: 8 } })).toThrow(/rope_parameters.low_freq_factor is required/);
  });

  it('an unsupported model_type or a mismatch names it and lists the supported ones', () => {
    const { architectures: _, ...noArch } = QWEN3;
    expect(parseHfConfig(noArch).architecture).toBe('Qwen3ForCausalLM');
    expect(() => parseHfConfig({ ...noArch, model_type: 'gemma2' })).toThrow(/unsupported model_type "gemma2"; supported: Qwen2ForCausalLM \(qwen2\), LlamaForCausalLM \(llama\), Qwen3ForCausalLM \(qwen3\)/);
    expect(() => parseHfConfig({ ...QWEN3, model_type: 'qwen2' })).toThrow(/model_type "qwen2" does not match architecture Qwen3ForCausalLM/);
  });

  it('writes a config with no contradictory keys: one dtype key, the RoPE form of the source unchanged', () => {
    const q = toHfConfigJson(parseHfConfig(QWEN3), 'BF16');
    expect(q.torch_dtype).toBeUndefined();
    expect(q.dtype).toBe('bfloat16');
    expect(q.rope_theta).toBeUndefined();
    expect(q.rope_parameters).toEqual(QWEN3.rope_parameters);
    const old = toHfConfigJson(parseHfConfig(QWEN), 'F32');
    expect(old).toMatchObject({ dtype: 'float32', rope_theta: 1e6 });
    expect(old.torch_dtype).toBeUndefined();
    expect(old.rope_parameters).toBeUndefined();
    const made = toHfConfigJson(makeConfig({ hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2, vocabSize: 10, ropeTheta: 5 }));
    expect(made.rope_theta).toBe(5);
    expect(parseHfConfig(made).ropeTheta).toBe(5);
  });
});
