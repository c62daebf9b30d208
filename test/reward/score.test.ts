import { describe, expect, it } from 'vitest';
import { SandboxUnavailableError } from '../../sandbox/contract.js';
import { computeScore, scoreCompletions, scoreModeFor } from '../../src/reward/score.js';
import type { CaseResult, JudgeRequest, JudgeResult, SandboxProvider, TestCase, Verdict } from '../../sandbox/contract.js';

/**
 * A provider that fails `failures` times (throwing, or answering a sandbox_error case when `asVerdict`), then gives
 * each case the verdict named by its stdout ("pass", "wrong_answer", ...), honouring stopOnFirstFailure.
 */
function fakeProvider(failures = 0, asVerdict = false): SandboxProvider & { calls: JudgeRequest[] } {
  const calls: JudgeRequest[] = [];
  return {
    name: 'local',
    calls,
    async judge(req: JudgeRequest): Promise<JudgeResult> {
      calls.push(req);
      const failing = calls.length <= failures;
      if (failing && !asVerdict) throw new SandboxUnavailableError('daemon down');
      const cases: CaseResult[] = [];
      for (const t of req.tests) {
        const verdict = (failing ? 'sandbox_error' : (t as { stdout: string }).stdout) as Verdict;
        cases.push({ verdict, timeS: 0 });
        if (req.stopOnFirstFailure && verdict !== 'pass') break;
      }
      while (cases.length < req.tests.length) cases.push({ ...cases[cases.length - 1]!, skipped: true });
      const passed = cases.filter((c) => c.verdict === 'pass').length;
      return { cases, passed, total: cases.length, fraction: passed / cases.length, allPassed: passed === cases.length };
    },
    runCode: () => Promise.reject(new Error('unused')),
    close: async () => undefined,
  };
}

const cases = (...verdicts: string[]): TestCase[] => verdicts.map((v) => ({ type: 'stdio', stdin: '', stdout: v }));
const code = '```python\nprint(1)\n```';

describe('computeScore', () => {
  it('scores 0 with a reason when there is no code fence, without calling the sandbox', async () => {
    const p = fakeProvider();
    const r = await computeScore({ completion: 'I think the answer is 4.', tests: cases('pass') }, p, { mode: 'verl' });
    expect(r).toMatchObject({ score: 0, noCode: true, cases: [], reason: 'no code block in the completion' });
    expect(p.calls).toHaveLength(0);
  });

  it('routes verl for the data sources verl sends to sandbox_fusion, all_pass otherwise', () => {
    for (const s of ['codecontests', 'apps', 'codeforces', 'taco']) expect(scoreModeFor(s, 'auto')).toBe('verl');
    expect(scoreModeFor('livecodebench', 'auto')).toBe('all_pass');
    expect(scoreModeFor('taco', 'fraction')).toBe('fraction');
  });

  it('verl counts only the first 10 cases, with verl codes per case', async () => {
    const p = fakeProvider();
    const tests = cases(...Array(9).fill('pass'), 'time_limit', 'wrong_answer', 'wrong_answer');
    const r = await computeScore({ completion: code, tests, dataSource: 'taco' }, p, {});
    expect(r.mode).toBe('verl');
    expect(r.score).toBeCloseTo(0.9, 12);
    expect(r.cases).toHaveLength(10);
    expect(p.calls[0]!.tests).toHaveLength(10);
    expect(p.calls[0]).toMatchObject({ stopOnFirstFailure: false, compare: 'exact' });
    expect(r.cases.map((c) => c.code)).toEqual([...Array(9).fill(true), -3]);
  });

  it('verl: every case after the first compile error is a compile error (-4)', async () => {
    const r = await computeScore({ completion: code, tests: cases('pass', 'compile_error', 'pass', 'runtime_error') }, fakeProvider(), { mode: 'verl' });
    expect(r.cases.map((c) => c.code)).toEqual([true, -4, -4, -4]);
    expect(r.score).toBe(0.25);
  });

  it('all_pass stops at the first failure; fraction judges every case', async () => {
    const p = fakeProvider();
    const tests = cases('pass', 'wrong_answer', 'pass');
    const a = await computeScore({ completion: code, tests }, p, { mode: 'all_pass', timeoutS: 3, memoryMB: 256 });
    expect(a.score).toBe(0);
    expect(p.calls[0]).toMatchObject({ stopOnFirstFailure: true, timeoutS: 3, memoryMB: 256, language: 'python' });
    const f = await computeScore({ completion: code, tests }, p, { mode: 'fraction', compare: 'lenient' });
    expect(f.score).toBeCloseTo(2 / 3, 12);
    expect(p.calls[1]).toMatchObject({ stopOnFirstFailure: false, compare: 'lenient' });
    expect(f.reason).toMatch(/2\/3 passed; case 1: wrong_answer/);
  });

  it('retries thrown sandbox failures and sandbox_error verdicts, then fails with a typed error (never a 0)', async () => {
    for (const asVerdict of [false, true]) {
      const flaky = fakeProvider(2, asVerdict);
      const r = await computeScore({ completion: code, tests: cases('pass') }, flaky, { mode: 'all_pass', retries: 2, retryDelayS: 0 });
      expect(r.score).toBe(1);
      expect(r.sandboxRetries).toBe(2);
      const down = fakeProvider(10, asVerdict);
      const err = await computeScore({ completion: code, tests: cases('pass') }, down, { retries: 1, retryDelayS: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxUnavailableError);
      expect((err as Error).message).toMatch(/after 2 attempts/);
      expect(down.calls).toHaveLength(2);
    }
  });

  it('retry_for_s: a sandbox down for ~1 s (a server restarting) is waited out with backoff past `retries`', async () => {
    const downFor = (ms: number): SandboxProvider => {
      const inner = fakeProvider();
      const t0 = Date.now();
      return { ...inner, judge: (req) => (Date.now() - t0 < ms ? Promise.reject(new SandboxUnavailableError('connection refused')) : inner.judge(req)) };
    };
    const item = { completion: code, tests: cases('pass', 'wrong_answer') };
    const r = await computeScore(item, downFor(1200), { mode: 'fraction', retries: 1, retryDelayS: 0.1, retryForS: 10 });
    expect(r.score).toBe(0.5); // the same result an undisturbed sandbox gives
    expect(r.sandboxRetries).toBeGreaterThanOrEqual(3); // 0.1 + 0.2 + 0.4 + 0.8 s of backoff
    const err = await computeScore(item, downFor(60_000), { mode: 'fraction', retries: 1, retryDelayS: 0.1, retryForS: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxUnavailableError);
    expect((err as Error).message).toMatch(/connection refused \(after \d+ attempts over [01]\.\d s\)/);
    await expect(computeScore(item, downFor(1200), { mode: 'fraction', retries: 1, retryDelayS: 0.1 })).rejects.toThrow(/after 2 attempts/);
  });

  it('other errors (a refused request) are not retried', async () => {
    const p = fakeProvider();
    p.judge = async (req) => {
      p.calls.push(req);
      throw new Error('invalid judge request: tests.0.fnName: must be a Python identifier');
    };
    await expect(computeScore({ completion: code, tests: cases('pass') }, p, { retries: 3 })).rejects.toThrow(/fnName/);
    expect(p.calls).toHaveLength(1);
  });
});

describe('scoreCompletions', () => {
  it('keeps input order and judges identical code for the same tests once when asked', async () => {
    const p = fakeProvider();
    const tests = cases('pass', 'wrong_answer');
    const items = [
      { completion: '```\nA\n```', tests }, { completion: 'none', tests }, { completion: 'x ```\nA\n```', tests }, { completion: '```\nB\n```', tests: cases('pass') },
    ];
    const r = await scoreCompletions(items, p, { mode: 'fraction', dedupe: true, concurrency: 2 });
    expect(r.map((x) => x.score)).toEqual([0.5, 0, 0.5, 1]);
    expect(p.calls).toHaveLength(2);
    const again = fakeProvider();
    await scoreCompletions(items, again, { mode: 'fraction' });
    expect(again.calls).toHaveLength(3);
  });
});
