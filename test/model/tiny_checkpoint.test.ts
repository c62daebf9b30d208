import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { loadPretrained } from '../../src/model/hf.js';
import { readSafetensors } from '../../src/model/safetensors.js';
import { writeTinyQwen2Checkpoint } from '../../src/model/tiny_checkpoint.js';
import { sample } from '../../src/rollout/sample.js';
import { loadHfTokenizer } from '../../src/tokenizer/hf.js';

let tmp: string;
beforeAll(async () => {
  await selectBackend('wasm');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-tiny-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('tiny Qwen2 checkpoint', () => {
  it('is deterministic in its seed', () => {
    const a = writeTinyQwen2Checkpoint(path.join(tmp, 'a'), { seed: 7 });
    writeTinyQwen2Checkpoint(path.join(tmp, 'b'), { seed: 7 });
    writeTinyQwen2Checkpoint(path.join(tmp, 'c'), { seed: 8 });
    const read = (d: string) => fs.readFileSync(path.join(tmp, d, 'model.safetensors'));
    expect(read('a').equals(read('b'))).toBe(true);
    expect(read('a').equals(read('c'))).toBe(false);
    expect(a.config.architecture).toBe('Qwen2ForCausalLM');
    expect(a.config.vocabSize).toBeGreaterThanOrEqual(a.tokenizerSize);
  });

  it('its tokenizer loads offline from the directory, round-trips text and renders the chat template', async () => {
    const dir = path.join(tmp, 'tok');
    const ck = writeTinyQwen2Checkpoint(dir, { seed: 1 });
    const tok = await loadHfTokenizer(dir);
    const text = 'def add(a, b):\n    return a + b  # é ✓';
    const ids = tok.encode(text);
    expect(tok.decode(ids)).toBe(text);
    expect(ids.length).toBeLessThan(Buffer.byteLength(text)); // merges apply
    expect(Math.max(...ids)).toBeLessThan(ck.tokenizerSize);
    const chat = tok.applyChatTemplate([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true });
    expect(chat).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    const chatIds = tok.encode(chat);
    expect(chatIds[0]).toBe(ck.specialIds['<|im_start|>']);
    expect(chatIds).toContain(ck.specialIds['<|im_end|>']);
    expect(tok.eosTokenId).toBe(ck.specialIds['<|im_end|>']);
  });

  it('runs as a script (after npm run build)', () => {
    const script = path.resolve('dist/src/model/tiny_checkpoint.js');
    // test/global-setup.ts builds dist/ before the suite: a missing script is a failure, not a skip.
    expect(fs.existsSync(script), `${script} (built by the global setup)`).toBe(true);
    const out = path.join(tmp, 'script');
    const msg = execFileSync(process.execPath, [script, out, '--seed', '3'], { encoding: 'utf8' });
    expect(msg).toMatch(/wrote tiny Qwen2 checkpoint/);
    const direct = path.join(tmp, 'direct');
    writeTinyQwen2Checkpoint(direct, { seed: 3 });
    expect(readSafetensors(path.join(out, 'model.safetensors')).get('model.norm.weight')!.data).toEqual(
      readSafetensors(path.join(direct, 'model.safetensors')).get('model.norm.weight')!.data,
    );
  });

  it('sample() at temperature 0 equals argmax decoding without a cache, token for token', async () => {
    const dir = path.join(tmp, 'gen');
    writeTinyQwen2Checkpoint(dir, { seed: 5, std: 0.3, hiddenSize: 32, numLayers: 2 });
    const model = loadPretrained(dir);
    const prompts = [[10, 20, 30, 40], [50, 60]];
    const n = 12;
    const res = await sample(model, prompts, { maxNewTokens: n, temperature: 0, topP: 1, topK: 0, stopTokenIds: [], seed: 0 });
    for (let b = 0; b < prompts.length; b++) {
      const seq = prompts[b]!.slice();
      for (let i = 0; i < n; i++) {
        const next = tf.tidy(() => {
          const logits = model.forwardLogits(tf.tensor2d([seq], undefined, 'int32'), tf.ones([1, seq.length]) as tf.Tensor2D);
          return tf.argMax(tf.reshape(tf.slice(logits, [0, seq.length - 1, 0], [1, 1, -1]), [-1])).dataSync()[0]!;
        });
        seq.push(next);
      }
      expect(res.tokens[b]).toEqual(seq.slice(prompts[b]!.length));
      expect(res.finishReason[b]).toBe('length');
    }
    // Not a constant sequence: the check is not vacuous.
    expect(new Set(res.tokens.flat()).size).toBeGreaterThan(2);
    model.dispose();
  });
});
