// `rl eval` end to end on a tiny saved policy (local sandbox), and its schema-built option errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { command } from '../../src/cli/eval.js';
import { validateConfig } from '../../src/config/load.js';
import { tinyCharPolicy } from '../../src/trainer/policy_factory.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-eval-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('rl eval', () => {
  it('prints pass@1..n as JSON', async () => {
    const bundle = tinyCharPolicy(validateConfig({ model: { tiny: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 } } }));
    await bundle.save(dir);
    await bundle.dispose();
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void printed.push(s));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await command.run(['--model', dir, '--data', 'src/data/demo/train.jsonl', '--n', '2', '--limit', '2', '--max-len', '4',
      '--backend', 'cpu', '--sandbox', 'local', '--json']);
    const out = JSON.parse(printed.at(-1)!) as { problems: number; n: number; pass_at: number[] };
    expect(out.problems).toBe(2);
    expect(out.n).toBe(2);
    expect(out.pass_at).toHaveLength(2);
  }, 120_000);

  it('names the flag of a bad option', async () => {
    await expect(command.run(['--data', 'x'])).rejects.toThrow(/--model: is required/);
    await expect(command.run(['--model', dir, '--data', 'x', '--n', '0'])).rejects.toThrow(/--n: Too small/);
    await expect(command.run(['--model', dir, '--data', 'x', '--sandbox', 'cloud'])).rejects.toThrow(/--sandbox: Invalid option: expected one of "auto"\|"docker"\|"remote"\|"local"/);
  });
});
