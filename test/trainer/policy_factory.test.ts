// The policy bundle stops sampling where transformers' generate() and vLLM stop: the tokenizer's eos and every
// eos id of generation_config.json (Qwen's instruct models list <|im_end|> and <|endoftext|>).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { writeTinyQwen2Checkpoint } from '../../src/model/tiny_checkpoint.js';
import { loadModelDir } from '../../src/trainer/policy_factory.js';

describe('policy bundle stop ids', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-stop-ids-'));
  beforeAll(async () => {
    await selectBackend('cpu');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("are the tokenizer's eos plus generation_config.json's eos ids", async () => {
    const { specialIds } = writeTinyQwen2Checkpoint(dir, { seed: 1, hiddenSize: 16, numLayers: 1, numHeads: 2, numKvHeads: 1, std: 0.3 });
    const file = path.join(dir, 'generation_config.json');
    const g = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...g, eos_token_id: [specialIds['<|im_end|>'], specialIds['<|endoftext|>']] }));
    const bundle = await loadModelDir(dir);
    try {
      expect(bundle.stopTokenIds[0]).toBe(bundle.tokenizer.eosTokenId);
      expect([...bundle.stopTokenIds].sort()).toEqual([specialIds['<|im_end|>']!, specialIds['<|endoftext|>']!].sort());
    } finally {
      await bundle.dispose();
    }
  });
});
