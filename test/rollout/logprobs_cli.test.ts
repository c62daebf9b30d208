// `rl logprobs`: output equals the policy's scoreResponses and an independent float64 forward pass (1e-4);
// on the tabular policy the summed log-probs of a candidate equal log softmax(theta).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { command, parseLogprobsInput, runLogprobs, scoreCompletions, type LogprobsResult } from '../../src/cli/logprobs.js';
import { selectBackend } from '../../src/backend/select.js';
import { readModelConfig } from '../../src/model/hf.js';
import { readCheckpointTensors } from '../../src/model/safetensors.js';
import { writeTinyQwen2Checkpoint } from '../../src/model/tiny_checkpoint.js';
import { createTabularPolicy } from '../../src/model/toy/tabular.js';
import { expectedHfShapes } from '../../src/model/transformer.js';
import { CharTokenizer } from '../../src/tokenizer/char.js';
import { tinyCharPolicy } from '../../src/trainer/policy_factory.js';
import { validateConfig } from '../../src/config/load.js';
import { loadHfTokenizer } from '../../src/tokenizer/hf.js';
import { logSoftmax64, referenceLogits, type F64Weights } from '../model/reference_f64.js';

let dir: string;
beforeAll(async () => {
  await selectBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-logprobs-'));
  writeTinyQwen2Checkpoint(dir, { seed: 4, hiddenSize: 32, numLayers: 2, numHeads: 4, numKvHeads: 2, std: 0.3 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('rl logprobs', () => {
  it('prints per-token log-probs equal to an independent float64 forward pass (1e-4)', async () => {
    const rows = [
      { prompt: [{ role: 'user', content: 'Write add(a, b).' }], completion: '```python\ndef add(a, b):\n    return a + b\n```<|im_end|>' },
      { prompt: 'def f(x):', completion: '\n    return x * 2' },
      { prompt: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'hi' }], completion: 'hello' },
      { prompt: 'x', completion: '' },
    ];
    const input = path.join(dir, 'in.jsonl');
    fs.writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    let printed = '';
    await runLogprobs(['--model', dir, '--input', input, '--backend', 'wasm', '--batch-size', '2'], (s) => (printed += s));
    const out = printed.trim().split('\n').map((l) => JSON.parse(l) as LogprobsResult);
    expect(out.length).toBe(4);
    expect(out[3]).toMatchObject({ tokens: [], token_strs: [], logprobs: [] });

    const tok = await loadHfTokenizer(dir);
    const cfg = readModelConfig(dir);
    const w: F64Weights = new Map();
    for (const [n, t] of readCheckpointTensors(dir, expectedHfShapes(cfg).keys())) w.set(n, { shape: t.shape, data: Float64Array.from(t.data) });
    for (let i = 0; i < 3; i++) {
      const r = rows[i]!;
      const prompt = typeof r.prompt === 'string' ? tok.encode(r.prompt) : tok.encode(tok.applyChatTemplate(r.prompt as never, { addGenerationPrompt: true }));
      const completion = tok.encode(r.completion);
      expect(out[i]!.tokens).toEqual(completion);
      expect(out[i]!.prompt_tokens).toEqual(prompt);
      expect(out[i]!.token_strs.join('')).toBe(r.completion);
      const seq = [...prompt, ...completion];
      const logits = referenceLogits(cfg, w, seq, seq.map(() => 1));
      completion.forEach((id, t) => {
        const ref = logSoftmax64(logits[prompt.length - 1 + t]!)[id]!;
        expect(Math.abs(out[i]!.logprobs[t]! - ref)).toBeLessThan(1e-4);
      });
    }
  });

  it('names the file and line of bad input, and requires its flags', async () => {
    expect(() => parseLogprobsInput('{"prompt": "a", "completion": "b"}\n{"prompt": 3}', 'x.jsonl')).toThrow(/x\.jsonl:2: prompt/);
    expect(() => parseLogprobsInput('not json', 'y.jsonl')).toThrow(/y\.jsonl:1: invalid JSON/);
    await expect(runLogprobs(['--input', 'a.jsonl'], () => {})).rejects.toThrow(/--model: is required/);
    await expect(runLogprobs(['--model', dir, '--input', path.join(dir, 'missing.jsonl')], () => {})).rejects.toThrow(/input file not found/);
    expect(command.name).toBe('logprobs');
  });

  it('on the tabular policy: equals scoreResponses, and a candidate sums to log softmax(theta)', async () => {
    const tok = new CharTokenizer();
    const theta = [1.0, -0.5, 0.25];
    const cands = ['print(1)<|end|>', 'print(2)<|end|>', 'pass<|end|>'];
    const userMsg = [{ role: 'user' as const, content: 'go' }];
    const prompt = tok.encode(tok.applyChatTemplate(userMsg, { addGenerationPrompt: true }));
    const policy = createTabularPolicy({ vocabSize: tok.vocabSize, entries: [{ prompt, candidates: cands.map((c) => tok.encode(c)) }], initialLogits: [theta] });
    try {
      const res = await scoreCompletions(policy, tok, cands.map((completion) => ({ prompt: userMsg, completion })), { batchSize: 2 });
      const ref = policy.candidateLogProbs(0);
      res.forEach((r, j) => {
        expect(r.logprobs.reduce((s, v) => s + v, 0)).toBeCloseTo(ref[j]!, 5);
        // equals scoreResponses on the single unpadded row
        const ids = tf.tensor2d([[...prompt, ...r.tokens]], [1, prompt.length + r.tokens.length], 'int32');
        const mask = tf.onesLike(ids).cast('float32') as tf.Tensor2D;
        const lp = policy.scoreResponses({ ids, attentionMask: mask, responseLength: r.tokens.length }).logProbs;
        expect(r.logprobs).toEqual(Array.from(lp.dataSync()));
        tf.dispose([ids, mask, lp]);
      });
      const m = Math.max(...theta);
      const lse = m + Math.log(theta.reduce((s, v) => s + Math.exp(v - m), 0));
      ref.forEach((v, j) => expect(v).toBeCloseTo(theta[j]! - lse, 6));
    } finally {
      policy.dispose();
    }
  });

  it('loads a model directory saved with the character tokenizer (the demo policy)', async () => {
    const bundle = tinyCharPolicy(validateConfig({ model: { tiny: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 } } }));
    const charDir = path.join(dir, 'char');
    await bundle.save(charDir);
    const input = path.join(dir, 'char.jsonl');
    fs.writeFileSync(input, JSON.stringify({ prompt: 'x=', completion: 'int(input())' }) + '\n');
    let printed = '';
    await runLogprobs(['--model', charDir, '--input', input, '--backend', 'wasm'], (s) => (printed += s));
    const out = JSON.parse(printed) as LogprobsResult;
    expect(out.tokens).toEqual(new CharTokenizer().encode('int(input())'));
    expect(out.logprobs).toHaveLength('int(input())'.length);
    for (const lp of out.logprobs) expect(lp).toBeLessThan(0);
    await bundle.dispose();
  });
});
