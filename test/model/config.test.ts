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
      /x\/config.json: unsupported architecture "GPT2LMHeadModel"; supported: Qwen2ForCausalLM, LlamaForCausalLM/,
    );
    expect(() => parseHfConfig({ ...QWEN, hidden_size: 'big' })).toThrow(/hidden_size/);
    const { vocab_size: _, ...noVocab } = QWEN;
    expect(() => parseHfConfig(noVocab)).toThrow(/vocab_size/);
    expect(() => parseHfConfig({ ...QWEN, num_key_value_heads: 3 })).toThrow(/multiple of num_key_value_heads/);
    expect(() => parseHfConfig({ ...QWEN, hidden_act: 'gelu' })).toThrow(/unsupported hidden_act "gelu"/);
    expect(() => parseHfConfig({ ...LLAMA, rope_scaling: { rope_type: 'yarn', factor: 4 } })).toThrow(/unsupported rope_scaling type "yarn"/);
  });

  it('writes back a config.json that parses to the same config', () => {
    for (const raw of [QWEN, LLAMA]) {
      const c = parseHfConfig(raw);
      const again = parseHfConfig(toHfConfigJson(c));
      expect({ ...again, raw: null }).toEqual({ ...c, raw: null });
    }
    const small = makeConfig({ hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2, vocabSize: 10 });
    expect(small.numKvHeads).toBe(2);
  });
});
