// `rl score` end to end on the local sandbox: JSONL rows in input order, verl codes, the summary, bad input named.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rlAwait, tmpDir } from '../trainer/helpers.js';

const dir = tmpDir('rl-score-');
const data = path.join(dir, 'data.jsonl');
const verlRow = (source: string, gt: unknown) => ({ data_source: source, prompt: 'q', reward_model: { ground_truth: JSON.stringify(gt) } });
fs.writeFileSync(data, [
  verlRow('taco', { inputs: ['1 2\n', '3 4\n'], outputs: ['3\n', '7\n'] }),
  verlRow('livecodebench', { inputs: ['[1,2]\n3'], outputs: ['6'], fn_name: 'total' }),
].map((r) => JSON.stringify(r)).join('\n'));
const completions = path.join(dir, 'completions.jsonl');
fs.writeFileSync(completions, [
  { index: 0, completion: '```python\na, b = map(int, input().split())\nprint(a + b)\n```' },
  { index: 1, completion: 'Sure:\n```python\ndef total(xs: List[int], k):\n    return sum(xs) + k\n' }, // unclosed fence
  { index: 0, completion: '```python\nprint(3)\n```' },
  { index: 1, completion: 'no code' },
].map((r) => JSON.stringify(r)).join('\n'));

describe('rl score', () => {
  it('scores each completion in input order with verl codes and prints a summary', async () => {
    const r = await rlAwait(['score', '--data', data, '--completions', completions, '--sandbox', 'local', '--concurrency', '3'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => [x.index, x.data_source, x.mode, x.score])).toEqual([
      [0, 'taco', 'verl', 1], [1, 'livecodebench', 'all_pass', 1], [0, 'taco', 'verl', 0.5], [1, 'livecodebench', 'all_pass', 0],
    ]);
    expect(rows[2].cases.map((c: { code: unknown }) => c.code)).toEqual([true, false]);
    expect(rows[3].reason).toBe('no code block in the completion');
    expect(r.stderr).toMatch(/4 completions: mean score 0\.6250; cases: no_code 1, pass 4, wrong_answer 1;/);
  });
  it('names the line and the field of a bad completion row', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, '{"index": 0, "completion": "x"}\n{"index": 5, "completion": "x"}\n');
    const r = await rlAwait(['score', '--data', data, '--completions', bad, '--sandbox', 'local'], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.jsonl line 2: index 5 is past the last data row \(1\)/);
  });
});
