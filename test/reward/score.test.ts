import { describe, expect, it } from 'vitest';
import { SandboxUnavailableError } from '../../sandbox/contract.js';
import { scoreCompletion, scoreCompletions } from '../../src/reward/score.js';
import type { JudgeRequest, JudgeResult, SandboxProvider, TestCase } from '../../sandbox/contract.js';

/** A provider that fails `failures` times with a sandbox error, then passes the cases whose stdin the code echoes. */
function fakeProvider(failures: number): SandboxProvider & { calls: JudgeRequest[] } {
  const calls: JudgeRequest[] = [];
  return {
    name: 'local',
    calls,
    async judge(req: JudgeRequest): Promise<JudgeResult> {
      calls.push(req);
      if (calls.length <= failures) throw new SandboxUnavailableError('daemon down');
      const cases = req.tests.map((t) => ({ verdict: t.type === 'stdio' && req.code.includes(t.stdout) ? ('pass' as const) : ('wrong_answer' as const), timeS: 0 }));
      const passed = cases.filter((c) => c.verdict === 'pass').length;
      return { cases, passed, total: cases.length, fraction: passed / cases.length, allPassed: passed === cases.length };
    },
    runCode: () => Promise.reject(new Error('unused')),
    close: async () => undefined,
  };
}

const tests: TestCase[] = [
  { type: 'stdio', stdin: '', stdout: 'A' },
  { type: 'stdio', stdin: '', stdout: 'B' },
];

describe('scoreCompletion', () => {
  it('scores 0 with a reason when there is no code block, without calling the sandbox', async () => {
    const p = fakeProvider(0);
    const r = await scoreCompletion('I think the answer is 4.', tests, p);
    expect(r).toEqual({ score: 0, reason: 'no code block in the completion' });
    expect(p.calls).toHaveLength(0);
  });

  it('all_pass vs fraction, and forwards timeout/memory', async () => {
    const p = fakeProvider(0);
    const half = '```python\nprint("A")\n```';
    expect((await scoreCompletion(half, tests, p, { mode: 'all_pass' })).score).toBe(0);
    const f = await scoreCompletion(half, tests, p, { mode: 'fraction', timeoutS: 3, memoryMB: 256 });
    expect(f.score).toBe(0.5);
    expect(f.reason).toMatch(/1\/2 passed; case 1: wrong_answer/);
    expect(p.calls[1]).toMatchObject({ timeoutS: 3, memoryMB: 256, language: 'python', stopOnFirstFailure: false });
    expect(p.calls[0].stopOnFirstFailure).toBe(true);
  });

  it('retries sandbox failures, then surfaces them as retryable errors', async () => {
    const flaky = fakeProvider(2);
    expect((await scoreCompletion('```\nA B\n```', tests, flaky, { retries: 2 })).score).toBe(1);
    const down = fakeProvider(10);
    const err = await scoreCompletion('```\nA B\n```', tests, down, { retries: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxUnavailableError);
    expect((err as SandboxUnavailableError).retryable).toBe(true);
    expect(down.calls).toHaveLength(2);
  });

  it('scoreCompletions keeps the order of its inputs', async () => {
    const p = fakeProvider(0);
    const r = await scoreCompletions(
      [{ completion: '```\nA B\n```', tests }, { completion: 'none', tests }, { completion: '```\nB\n```', tests }],
      p,
      { mode: 'fraction' },
    );
    expect(r.map((x) => x.score)).toEqual([1, 0, 0.5]);
  });
});
