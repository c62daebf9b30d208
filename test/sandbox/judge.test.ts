// Judging semantics of the Docker provider: verdicts, comparison rule, languages, limits, pool reuse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { SandboxRequestError } from '../../sandbox/contract.js';
import { createSandboxProvider } from '../../sandbox/providers.js';
import { scoreCompletions } from '../../src/reward/score.js';
import type { SandboxProvider } from '../../sandbox/contract.js';
import { dockerReady } from './docker-env.js';

describe.skipIf(!dockerReady)('Docker judge', () => {
  let sb: DockerSandbox;
  beforeAll(async () => {
    sb = await DockerSandbox.create({ concurrency: 2, poolSize: 3 });
  });
  afterAll(async () => {
    await sb?.close();
  });

  it('verdicts for stdio cases: pass, wrong answer, runtime error, time limit', async () => {
    const r = await sb.judge({
      code: 'import time\nn = int(input())\nif n == 3: time.sleep(5)\nprint(n * 2)',
      language: 'python',
      tests: [
        { type: 'stdio', stdin: '1', stdout: '2' },
        { type: 'stdio', stdin: '2', stdout: '5' },
        { type: 'stdio', stdin: 'x', stdout: '0' },
        { type: 'stdio', stdin: '3', stdout: '6' },
      ],
      timeoutS: 1,
    });
    expect(r.cases.map((c) => c.verdict)).toEqual(['pass', 'wrong_answer', 'runtime_error', 'time_limit']);
    expect(r.cases[2].message).toMatch(/ValueError/);
    expect(r.cases[1].message).toMatch(/expected '5', got '4'/);
    expect(r.cases[3].timeS).toBeGreaterThanOrEqual(1);
    expect(r).toMatchObject({ passed: 1, total: 4, fraction: 0.25, allPassed: false });
  });

  it("comparison: exact (verl, only trailing newlines) by default; lenient (SandboxFusion's judges) on request", async () => {
    const req = {
      code: 'print("1 2  ")\nprint("3\\r")\nprint()\nprint()',
      language: 'python' as const,
      tests: [
        { type: 'stdio' as const, stdin: '', stdout: '1 2\n3' },
        { type: 'stdio' as const, stdin: '', stdout: '1 2  \n3\r' },
        { type: 'stdio' as const, stdin: '', stdout: '1  2\n3' },
        { type: 'stdio' as const, stdin: '', stdout: '1 2\n\n3' },
      ],
    };
    expect((await sb.judge(req)).cases.map((c) => c.verdict)).toEqual(['wrong_answer', 'pass', 'wrong_answer', 'wrong_answer']);
    expect((await sb.judge({ ...req, compare: 'lenient' })).cases.map((c) => c.verdict)).toEqual(['pass', 'pass', 'wrong_answer', 'wrong_answer']);
  });

  it("call-based cases as verl runs them: argument lines, Solution classes, printed result, missing function", async () => {
    const r = await sb.judge({
      code: 'class Solution:\n    def twoSum(self, nums: List[int], target):\n        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen: return [seen[target - x], i]\n            seen[x] = i\n\ndef half(x):\n    return x / 2\n',
      language: 'python',
      tests: [
        { type: 'call', fnName: 'twoSum', stdin: '[2, 7, 11, 15]\n9', stdout: '[0, 1]' },
        { type: 'call', fnName: 'half', stdin: '3', stdout: '1.5' },
        { type: 'call', fnName: 'half', stdin: '4', stdout: '2.0' },
        { type: 'call', fnName: 'half', stdin: '4', stdout: '3' },
        { type: 'call', fnName: 'missing', stdin: '', stdout: 'null' },
      ],
    });
    // verl's wrapper prints nothing and exits 0 when the function is missing: a wrong answer, not a crash.
    expect(r.cases.map((c) => c.verdict)).toEqual(['pass', 'pass', 'pass', 'wrong_answer', 'wrong_answer']);
  });

  it('a program cannot see the expected outputs of other cases', async () => {
    const r = await sb.judge({
      code: 'import gc\nhits = [o for o in gc.get_objects() if isinstance(o, dict) and "expected" in o]\nprint(len(hits))',
      language: 'python',
      tests: [{ type: 'stdio', stdin: '', stdout: '0' }, { type: 'stdio', stdin: '', stdout: 'SECRET-ANSWER' }],
    });
    expect(r.cases[0].verdict).toBe('pass');
  });

  it('stopOnFirstFailure marks the rest as skipped', async () => {
    const r = await sb.judge({
      code: 'print(input())',
      language: 'python',
      tests: [
        { type: 'stdio', stdin: 'a', stdout: 'a' },
        { type: 'stdio', stdin: 'b', stdout: 'c' },
        { type: 'stdio', stdin: 'd', stdout: 'd' },
      ],
      stopOnFirstFailure: true,
    });
    expect(r.cases.map((c) => c.verdict)).toEqual(['pass', 'wrong_answer', 'wrong_answer']);
    expect(r.cases[2].skipped).toBe(true);
    expect(r.passed).toBe(1);
  });

  it('other languages: cpp (compile error verdict), nodejs, bash', async () => {
    const cpp = await sb.judge({ code: 'int main() { return x; }', language: 'cpp', tests: [{ type: 'stdio', stdin: '', stdout: '' }] });
    expect(cpp.cases[0].verdict).toBe('compile_error');
    expect(cpp.cases[0].message).toMatch(/error/);
    const node = await sb.judge({
      code: 'const s = require("fs").readFileSync(0, "utf8"); console.log(Number(s) * 3);',
      language: 'nodejs',
      tests: [{ type: 'stdio', stdin: '7', stdout: '21' }],
    });
    expect(node.allPassed).toBe(true);
    const bash = await sb.judge({ code: 'read x; echo $((x + 1))', language: 'bash', tests: [{ type: 'stdio', stdin: '9', stdout: '10' }] });
    expect(bash.allPassed).toBe(true);
  });

  it('rejects a malformed request with a message naming the field', async () => {
    await expect(sb.judge({ code: 'x', language: 'python', tests: [{ type: 'stdio', stdin: 1 as unknown as string, stdout: '' }] })).rejects.toThrow(
      /tests\.0\.stdin/,
    );
    await expect(
      sb.judge({ code: 'x', language: 'cpp', tests: [{ type: 'call', fnName: 'f', stdin: '', stdout: '1' }] }),
    ).rejects.toBeInstanceOf(SandboxRequestError);
  });

  it('per-request memory limit', async () => {
    const code = 'x = bytearray(200 * 1024 * 1024)\nprint(len(x) > 0)';
    const small = await sb.judge({ code, language: 'python', tests: [{ type: 'stdio', stdin: '', stdout: 'True' }], memoryMB: 64 });
    expect(small.cases[0].verdict).toBe('runtime_error');
    const big = await sb.judge({ code, language: 'python', tests: [{ type: 'stdio', stdin: '', stdout: 'True' }], memoryMB: 512 });
    expect(big.cases[0].verdict).toBe('pass');
  });

  it('judges a batch concurrently, one fresh container per submission (no state leaks)', async () => {
    const code = 'import os\nprint(os.path.exists("/tmp/mark"))\nopen("/tmp/mark", "w").write("x")';
    const results = await Promise.all(
      Array.from({ length: 6 }, () => sb.judge({ code, language: 'python', tests: [{ type: 'stdio', stdin: '', stdout: 'False' }] })),
    );
    expect(results.every((r) => r.allPassed)).toBe(true);
  });
});

describe.skipIf(!dockerReady)('createSandboxProvider + scoreCompletions with Docker', () => {
  let provider: SandboxProvider;
  beforeAll(async () => {
    provider = await createSandboxProvider({ provider: 'auto', concurrency: 2, poolSize: 2, timeoutS: 2 });
  });
  afterAll(async () => {
    await provider?.close();
  });

  it('auto picks docker when a daemon answers and the image exists', () => {
    expect(provider.name).toBe('docker');
  });

  it('scores completions in both modes', async () => {
    const tests = [
      { type: 'stdio' as const, stdin: '1', stdout: '2' },
      { type: 'stdio' as const, stdin: '2', stdout: '4' },
    ];
    const completions = [
      'Here:\n```python\nprint(int(input()) * 2)\n```',
      '```python\nprint(2)\n```',
      'no code at all',
    ];
    const items = completions.map((completion) => ({ completion, tests }));
    const allPass = await scoreCompletions(items, provider, { mode: 'all_pass' });
    expect(allPass.map((s) => s.score)).toEqual([1, 0, 0]);
    expect(allPass[2].reason).toMatch(/no code block/);
    const fraction = await scoreCompletions(items, provider, { mode: 'fraction' });
    expect(fraction.map((s) => s.score)).toEqual([1, 0.5, 0]);
  });
});
