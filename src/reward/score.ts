// Reward from a completion: extract the code, judge it against the problem's tests, shape the score.
import { SandboxUnavailableError } from '../../sandbox/contract.js';
import { extractCode } from './extract.js';
import type { JudgeResult, Language, SandboxProvider, TestCase } from '../../sandbox/contract.js';

export interface ScoreOptions {
  /** all_pass: 1 when every case passes, else 0. fraction: passed / total. */
  mode?: 'all_pass' | 'fraction';
  /** Per-case wall-clock limit in seconds. */
  timeoutS?: number;
  memoryMB?: number;
  language?: Language;
  /** Judge-level retries when the sandbox itself fails (SandboxUnavailableError); default 2. */
  retries?: number;
}

export interface ScoreResult {
  score: number;
  /** Why the score is what it is: "all 5 cases passed", "no code block in the completion", "2/5 passed (wrong_answer ...)". */
  reason: string;
  judge?: JudgeResult;
}

export async function scoreCompletion(
  completion: string,
  tests: TestCase[],
  provider: SandboxProvider,
  opts: ScoreOptions = {},
): Promise<ScoreResult> {
  const code = extractCode(completion);
  if (code === null) return { score: 0, reason: 'no code block in the completion' };
  if (!tests.length) return { score: 0, reason: 'the problem has no test cases' };
  const judge = await judgeWithRetry(provider, {
    code,
    language: opts.language ?? 'python',
    tests,
    timeoutS: opts.timeoutS,
    memoryMB: opts.memoryMB,
    // all_pass needs only the first failure; fraction needs every case.
    stopOnFirstFailure: (opts.mode ?? 'all_pass') === 'all_pass',
  }, opts.retries ?? 2);
  const score = (opts.mode ?? 'all_pass') === 'fraction' ? judge.fraction : judge.allPassed ? 1 : 0;
  return { score, reason: describe(judge), judge };
}

/**
 * Scores many completions at once (all submissions of a training step); the provider's own
 * concurrency limit decides how many run in parallel. Rejects with SandboxUnavailableError when the
 * sandbox keeps failing after retries: the step should be retried, not scored 0.
 */
export function scoreCompletions(
  items: Array<{ completion: string; tests: TestCase[] }>,
  provider: SandboxProvider,
  opts: ScoreOptions = {},
): Promise<ScoreResult[]> {
  return Promise.all(items.map((it) => scoreCompletion(it.completion, it.tests, provider, opts)));
}

async function judgeWithRetry(provider: SandboxProvider, req: Parameters<SandboxProvider['judge']>[0], retries: number): Promise<JudgeResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await provider.judge(req);
    } catch (err) {
      if (!(err instanceof SandboxUnavailableError) || attempt >= retries) throw err;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

function describe(j: JudgeResult): string {
  if (j.allPassed) return `all ${j.total} cases passed`;
  const failing = j.cases.findIndex((c) => c.verdict !== 'pass');
  const c = j.cases[failing];
  return `${j.passed}/${j.total} passed; case ${failing}: ${c.verdict}${c.message ? ` (${c.message})` : ''}`;
}
