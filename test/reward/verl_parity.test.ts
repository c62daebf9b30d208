// verl's code reward vs `rl score --mode verl` on the same (row, completion) pairs. verl's side is
// test/peers/verl_score.py (its sandbox_fusion.compute_score restated; with RL_VERL_SRC=<verl checkout> verl's
// own module runs too and must agree) calling `rl sandbox serve`'s /run_code per case, as verl does. rl's side
// runs twice: the Docker provider (one exec per completion, the path training takes) and the remote provider
// against the same server. Rows in the formats real code datasets ship: verl rows for codecontests, TACO, APPS
// and Codeforces (stdin and call-based), LiveCodeBench releases (stdin and functional, private tests
// compressed), MBPP and HumanEval; completions right, wrong, timing out, crashing, cut off in the fence,
// fenced with a language word, two blocks, and no code.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { startSandboxServer, type SandboxServer } from '../../sandbox/server.js';
import { dockerReady } from '../sandbox/docker-env.js';
import { ROOT, rlAwait, tmpDir } from '../trainer/helpers.js';

const TIMEOUT_S = 2;
const python = process.env.RL_VERL_SRC ? path.join(ROOT, '.venv-peers', 'bin', 'python') : 'python3';

/** LiveCodeBench's compressed private tests: base64(zlib(pickle(json))), made by CPython itself. */
function lcbPrivate(tests: unknown[]): string {
  const r = spawnSync('python3', ['-c', 'import sys,json,pickle,zlib,base64;print(base64.b64encode(zlib.compress(pickle.dumps(sys.stdin.read()))).decode())'], { input: JSON.stringify(tests), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

const verl = (source: string, gt: unknown) => ({ data_source: source, prompt: [{ role: 'user', content: 'q' }], reward_model: { style: 'rule', ground_truth: JSON.stringify(gt) } });
const aPlusB = Array.from({ length: 12 }, (_, i) => (i < 10 ? [i, 2 * i] : [100 + i, 7]));

/** slowOk: few cases, so the timing-out completion is affordable; manyCases: only the completions that differ there. */
interface Case { row: Record<string, unknown>; right: string; wrong: string; slowOk?: boolean; manyCases?: boolean }
const CASES: Case[] = [
  { // 12 cases: verl scores the first 10 only
    row: verl('codecontests', { inputs: aPlusB.map(([a, b]) => `${a} ${b}\n`), outputs: aPlusB.map(([a, b]) => `${a! + b!}\n`) }),
    right: 'a, b = map(int, input().split())\nprint(a + b)',
    wrong: 'a, b = map(int, input().split())\nprint(a + b if a < 100 else 0)', // right on the 10 counted cases
    manyCases: true,
  },
  {
    row: verl('codecontests', { inputs: aPlusB.slice(0, 4).map(([a, b]) => `${a} ${b}\n`), outputs: aPlusB.slice(0, 4).map(([a, b]) => `${a! + b!}\n`) }),
    right: 'import sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b)',
    wrong: 'a, b = map(int, input().split())\nprint(a + b if a != 3 else -1)',
  },
  { // call-based: one JSON argument per line; a list expected value is str()-ed ("[2, 4]") and matches json.dumps
    row: verl('taco', { fn_name: 'scale', inputs: ['[1, 2]\n2', '[3]\n3'], outputs: [[2, 4], [9]] }),
    right: 'def scale(xs, k):\n    return [x * k for x in xs]',
    wrong: 'def scale(xs, k):\n    return xs',
    slowOk: true,
  },
  { // an expected line with a trailing space: verl's exact comparison keeps it
    row: verl('apps', { inputs: ['2\n', '5\n'], outputs: ['4 \n', '25 \n'] }),
    right: 'n = int(input())\nprint(n * n, end=" \\n")',
    wrong: 'n = int(input())\nprint(n * n)',
    slowOk: true,
  },
  { // non-string inputs: verl str()s them, so the wrapper passes ONE list argument
    row: verl('codeforces', { fn_name: 'total', inputs: [[1, 2, 3], [[4, 5], 6]], outputs: [6, 15] }),
    right: 'def total(xs):\n    return sum(xs)',
    wrong: 'def total(a, b=0):\n    return a + b',
  },
  { // LiveCodeBench stdin: public tests as JSON, private ones compressed
    row: {
      question_id: 'abc001_a', question_title: 't', question_content: 'Print the sum.', platform: 'atcoder', starter_code: '', metadata: '{}',
      public_test_cases: JSON.stringify([{ input: '1 2\n', output: '3\n', testtype: 'stdin' }]),
      private_test_cases: lcbPrivate([{ input: '10 20\n', output: '30\n', testtype: 'stdin' }, { input: '-1 1\n', output: '0\n', testtype: 'stdin' }]),
    },
    right: 'print(sum(map(int, input().split())))',
    wrong: 'print(max(map(int, input().split())))',
  },
  { // LiveCodeBench functional: class Solution using typing's List, which verl's header imports
    row: {
      question_id: '3000', question_title: 't', question_content: 'Sum of the k largest.', platform: 'leetcode',
      starter_code: 'class Solution:\n    def topSum(self, nums: List[int], k: int) -> int:\n        ',
      metadata: JSON.stringify({ func_name: 'topSum' }),
      public_test_cases: JSON.stringify([{ input: '[1, 5, 3]\n2', output: '8', testtype: 'functional' }]),
      private_test_cases: lcbPrivate([{ input: '[4]\n1', output: '4', testtype: 'functional' }]),
    },
    right: 'class Solution:\n    def topSum(self, nums: List[int], k: int) -> int:\n        return sum(sorted(nums)[-k:])',
    wrong: 'class Solution:\n    def topSum(self, nums: List[int], k: int) -> int:\n        return sum(nums[:k])',
    slowOk: true,
  },
  { // MBPP: asserts after the program, with its setup code
    row: { task_id: 11, text: 'Write a function to find the hypotenuse.', code: '', test_setup_code: 'import math',
      test_list: ['assert hyp(3, 4) == 5', 'assert hyp(5, 12) == 13', 'assert math.isclose(hyp(1, 1), 2 ** 0.5)'] },
    right: 'def hyp(a, b):\n    return math.hypot(a, b)',
    wrong: 'def hyp(a, b):\n    return a + b',
  },
  { // HumanEval: the test module, then check(entry_point)
    row: { task_id: 'HumanEval/0', prompt: 'def add(a, b):\n    """Add."""\n', canonical_solution: '    return a + b\n',
      test: 'def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n', entry_point: 'add' },
    right: 'def add(a, b):\n    return a + b',
    wrong: 'def add(a, b):\n    return a - b',
    slowOk: true,
  },
];

/** The completions each row gets; the timing-out one only on rows with two cases or fewer (it costs the limit per case). */
function completionsFor(c: Case): string[] {
  if (c.manyCases) return [`\`\`\`python\n${c.right}\n\`\`\``, `\`\`\`python\n${c.wrong}\n\`\`\``, '```python\nprint(1 +)\n```'];
  return [
    `Here is my solution:\n\`\`\`python\n${c.right}\n\`\`\`\n`,
    `\`\`\`python\n${c.wrong}\n\`\`\``,
    `\`\`\`python\n${c.right}\n`, // cut off at max length inside the fence
    `\`\`\`py\n${c.right}\n\`\`\``, // no "```python": the first block, language word dropped
    `\`\`\`python\n${c.wrong}\n\`\`\`\nBetter:\n\`\`\`python\n${c.right}\n\`\`\``, // the last python block counts
    '```python\nraise ValueError("boom")\n```',
    'The answer is to add the numbers.', // no code block
    ...(c.slowOk ? ['```python\nwhile True:\n    pass\n```'] : []),
  ];
}

interface Scored { score: number; codes: unknown[] }

describe.skipIf(!dockerReady)('verl parity: sandbox_fusion.compute_score vs rl score --mode verl', () => {
  let sb: DockerSandbox;
  let server: SandboxServer;
  const dir = tmpDir('rl-verl-parity-');
  const dataFile = path.join(dir, 'rows.jsonl');
  const completionsFile = path.join(dir, 'completions.jsonl');
  const pairs = CASES.flatMap((c, index) => completionsFor(c).map((completion) => ({ index, completion })));

  beforeAll(async () => {
    fs.writeFileSync(dataFile, CASES.map((c) => JSON.stringify(c.row)).join('\n') + '\n');
    fs.writeFileSync(completionsFile, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
    sb = await DockerSandbox.create({ concurrency: 2, poolSize: 2 });
    server = await startSandboxServer(sb, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await sb?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Async: the server answering verl's calls lives in this process, so its event loop must stay free. */
  async function verlSide(): Promise<Array<Scored & { verl: Scored | null }>> {
    const jobs = path.join(dir, 'jobs.json');
    fs.writeFileSync(jobs, JSON.stringify(pairs.map((p) => ({ row: CASES[p.index]!.row, completion: p.completion, timeout: TIMEOUT_S }))));
    const child = spawn(python, [path.join(ROOT, 'test', 'peers', 'verl_score.py'), `${server.url}/run_code`, jobs], { timeout: 600_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
    if (code !== 0) throw new Error(`verl_score.py failed (exit ${code}): ${stderr.slice(-3000)}`);
    return JSON.parse(stdout);
  }

  async function rlSide(...sandbox: string[]): Promise<Scored[]> {
    const r = await rlAwait(['score', '--data', dataFile, '--completions', completionsFile, '--mode', 'verl', '--timeout', String(TIMEOUT_S), '--concurrency', '2', ...sandbox], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim().split('\n').map((l) => {
      const row = JSON.parse(l) as { score: number; cases: Array<{ code: unknown }> };
      return { score: row.score, codes: row.cases.map((c) => c.code) };
    });
  }

  it('gives the same score and per-case codes on every (row, completion) pair', async () => {
    const expected = await verlSide();
    if (process.env.RL_VERL_SRC) {
      // verl's own module against the restatement: the reference itself is checked.
      for (const [i, e] of expected.entries()) expect(e.verl, `pair ${i}: verl's module vs the restatement`).toEqual({ score: e.score, codes: e.codes });
    }
    // The set must exercise every verdict it claims to.
    const codes = new Set(expected.flatMap((e) => e.codes.map(String)));
    for (const c of ['true', 'false', '-2', '-3']) expect(codes, `the rows produce code ${c}`).toContain(c);
    expect(expected.filter((e) => e.score > 0 && e.score < 1).length).toBeGreaterThan(0);

    const tenOf = (s: Scored) => ({ score: s.score, codes: s.codes.slice(0, 10) });
    for (const [name, args] of [['docker', ['--sandbox', 'docker']], ['remote', ['--sandbox', 'remote', '--url', server.url]]] as const) {
      const got = await rlSide(...args);
      expect(got.length).toBe(pairs.length);
      const diffs = got.flatMap((g, i) => {
        const want = tenOf(expected[i]!);
        return JSON.stringify(tenOf(g)) === JSON.stringify(want) ? [] : [`pair ${i} (row ${pairs[i]!.index}: ${JSON.stringify(pairs[i]!.completion.slice(0, 40))}): rl ${JSON.stringify(tenOf(g))} verl ${JSON.stringify(want)}`];
      });
      expect(diffs, `rl score --sandbox ${name}`).toEqual([]);
    }
  }, 900_000);
});
