// HF tokenizers from a local directory: the tiny Qwen2 checkpoint's byte-level BPE + ChatML template.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyQwen2Checkpoint } from '../../src/model/tiny_checkpoint.js';
import { loadHfTokenizer, type HfTokenizer } from '../../src/tokenizer/hf.js';
import { loadTokenizer } from '../../src/tokenizer/load.js';
import { loadVocabDecoder } from '../../src/tokenizer/vocab_decoder.js';

let dir: string;
let tok: HfTokenizer;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-tok-'));
  writeTinyQwen2Checkpoint(dir, { seed: 1, hiddenSize: 16, numLayers: 1, numHeads: 2 });
  tok = await loadHfTokenizer(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('HF tokenizer (local directory)', () => {
  it('loads through loadTokenizer with eos/pad from tokenizer_config.json', async () => {
    const viaSpec = await loadTokenizer(dir);
    expect(viaSpec.vocabSize).toBe(tok.vocabSize);
    expect(tok.decode([tok.eosTokenId])).toBe('<|im_end|>');
    expect(tok.decode([tok.padTokenId])).toBe('<|endoftext|>');
  });

  it('round-trips text, unicode included', () => {
    const text = 'def add(a, b):\n    return a + b  # naïve ✓';
    const ids = tok.encode(text);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThan(Buffer.byteLength(text) + 1);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.encode('')).toEqual([]);
    expect(tok.decode([])).toBe('');
  });

  it('renders the ChatML chat template to a string; special tokens encode to single ids', () => {
    const msgs = [
      { role: 'system' as const, content: 'You write Python.' },
      { role: 'user' as const, content: 'Add two numbers.' },
    ];
    const text = tok.applyChatTemplate(msgs, { addGenerationPrompt: true });
    expect(text).toBe('<|im_start|>system\nYou write Python.<|im_end|>\n<|im_start|>user\nAdd two numbers.<|im_end|>\n<|im_start|>assistant\n');
    expect(tok.applyChatTemplate(msgs).endsWith('<|im_end|>\n')).toBe(true);
    const ids = tok.encode(text);
    expect(ids.filter((i) => i === tok.eosTokenId).length).toBe(2);
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('system\nYou write Python.\nuser\nAdd two numbers.\nassistant\n');
  });

  it('the worker-side VocabDecoder decodes exactly like the HF tokenizer', () => {
    const dec = loadVocabDecoder(dir);
    expect(dec.vocabSize).toBe(tok.vocabSize);
    expect(dec.eosTokenId).toBe(tok.eosTokenId);
    expect(dec.padTokenId).toBe(tok.padTokenId);
    const text = '<|im_start|>user\nprint("héllo ✓")<|im_end|>\n```python\nx = 1\n```';
    const ids = tok.encode(text);
    expect(dec.decode(ids)).toBe(tok.decode(ids));
    expect(dec.decode(ids, { skipSpecialTokens: true })).toBe(tok.decode(ids, { skipSpecialTokens: true }));
    // random id sequences too (partial UTF-8 sequences become U+FFFD in both)
    let s = 12345;
    for (let k = 0; k < 50; k++) {
      const rnd = Array.from({ length: 12 }, () => ((s = (s * 1103515245 + 12345) >>> 0) % tok.vocabSize));
      expect(dec.decode(rnd)).toBe(tok.decode(rnd));
    }
    // ids past the tokenizer (padded model vocab) decode to nothing in both
    expect(dec.decode([65, tok.vocabSize + 3, 66])).toBe(tok.decode([65, tok.vocabSize + 3, 66]));
    expect(() => dec.encode()).toThrow(/decode-only/);
  });

  it('a missing directory or file is a clear error naming the path, never a download', async () => {
    await expect(loadHfTokenizer(path.join(dir, 'nope'))).rejects.toThrow(new RegExp(`tokenizer directory not found: ${path.join(dir, 'nope')}`));
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-tok-empty-'));
    try {
      await expect(loadHfTokenizer(empty)).rejects.toThrow(new RegExp(`tokenizer file missing: ${path.join(empty, 'tokenizer.json')}`));
      expect(() => loadVocabDecoder(empty)).toThrow(/tokenizer file missing/);
      // A hub-style id is not looked up remotely: it is just a (missing) local path.
      await expect(loadTokenizer('Qwen/Qwen2.5-0.5B')).rejects.toThrow(/tokenizer directory not found/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
