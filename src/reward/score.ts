// The one judging path: a completion → extracted code → the sandbox runs the problem's cases → a score, with
// every case's verdict and verl's code for it. `rl score`, the trainer and validation all call this.
import {
  SandboxUnavailableError, type CaseResult, type CompareMode, type JudgeResult, type Language, type SandboxProvider,
  type TestCase, type Verdict, type VerdictCode,
} from '../../sandbox/contract.js';
import { verdictCode } from '../../sandbox/programs.js';
import { extractCode } from './extract.js';

/**
 * verl: the fraction passed of the first 10 cases (sandbox_fusion.compute_score with continuous=True), later
 * cases all compile errors after the first one; all_pass: 1 when every case passes (stops at the first failure);
 * fraction: passed / all cases.
 */
export type ScoreMode = Exclude<RewardMode, 'auto'>;
/** reward.mode / `rl score --mode`: a ScoreMode, or auto (chosen per data source by scoreModeFor). */
export const REWARD_MODES = ['auto', 'verl', 'all_pass', 'fraction'] as const;
export type RewardMode = (typeof REWARD_MODES)[number];

/** Data sources verl's default_compute_score sends to sandbox_fusion with continuous=True. */
export const VERL_CODE_SOURCES = ['codecontests', 'apps', 'codeforces', 'taco'] as const;
/** Cases verl's continuous score counts. */
export const VERL_CONTINUOUS_CASES = 10;

/** `auto`: verl for the data sources verl routes to sandbox_fusion, else all_pass. */
export function scoreModeFor(dataSource: string, mode: RewardMode): ScoreMode {
  if (mode !== 'auto') return mode;
  return (VERL_CODE_SOURCES as readonly string[]).includes(dataSource) ? 'verl' : 'all_pass';
}

export interface ScoreOptions {
  mode?: RewardMode;
  compare?: CompareMode;
  /** Per-case wall-clock limit in seconds (verl: compile and run each get it). */
  timeoutS?: number;
  memoryMB?: number;
  language?: Language;
  /** Retries of a sandbox failure (unreachable, or a case it could not run) before SandboxUnavailableError. */
  retries?: number;
  /** First retry delay in seconds; doubles each retry (at most 30 s). */
  retryDelayS?: number;
  /**
   * Keep retrying past `retries` until this many seconds have passed since the first failure (a sandbox server
   * restarting, a daemon coming back). 0 / unset: `retries` alone decides.
   */
  retryForS?: number;
  /** Called before each retry with what failed. */
  onRetry?: (message: string, attempt: number) => void;
}

export interface CaseReport {
  verdict: Verdict;
  /** verl's code: true, false, -1 sandbox error, -2 runtime error, -3 time limit, -4 compile error. */
  code: VerdictCode;
  timeS: number;
  message?: string;
  /** Not run: stopped at the first failure (all_pass) or after an earlier compile error (verl). */
  skipped?: boolean;
}

export interface ScoreResult {
  score: number;
  mode: ScoreMode;
  /** Cases that count for the score (verl: at most the first 10), each with its verdict. */
  cases: CaseReport[];
  passed: number;
  /** Every counted case passed. */
  allPassed: boolean;
  /** The completion had no code fence (score 0, nothing ran). */
  noCode: boolean;
  /** Sandbox failures that were retried before this result. */
  sandboxRetries: number;
  reason: string;
}

export interface ScoreItem {
  completion: string;
  tests: TestCase[];
  /** Picks the mode when the options say `auto`. */
  dataSource?: string;
}

export function computeScore(item: ScoreItem, provider: SandboxProvider, opts: ScoreOptions = {}): Promise<ScoreResult> {
  return scoreCode(extractCode(item.completion), item, provider, opts);
}

/** computeScore once the code is extracted (null: the completion had none). */
async function scoreCode(code: string | null, item: ScoreItem, provider: SandboxProvider, opts: ScoreOptions): Promise<ScoreResult> {
  const mode = scoreModeFor(item.dataSource ?? '', opts.mode ?? 'auto');
  if (code === null) {
    return { score: 0, mode, cases: [], passed: 0, allPassed: false, noCode: true, sandboxRetries: 0, reason: 'no code block in the completion' };
  }
  if (!item.tests.length) throw new Error('the problem has no test cases');
  const tests = mode === 'verl' ? item.tests.slice(0, VERL_CONTINUOUS_CASES) : item.tests;
  let retries = 0;
  const judge = await withRetries(opts, () => {
    retries++;
  }, () => provider.judge({
    code,
    language: opts.language ?? 'python',
    tests,
    timeoutS: opts.timeoutS,
    memoryMB: opts.memoryMB,
    compare: opts.compare ?? 'exact',
    stopOnFirstFailure: mode === 'all_pass',
  }));
  const cases = caseReports(judge, mode);
  const passed = cases.filter((c) => c.verdict === 'pass').length;
  const allPassed = passed === cases.length;
  const score = mode === 'all_pass' ? (allPassed ? 1 : 0) : passed / cases.length;
  return { score, mode, cases, passed, allPassed, noCode: false, sandboxRetries: retries, reason: describe(cases, passed) };
}

/**
 * Scores many completions (all submissions of a training step) with at most `concurrency` judged at once.
 * With `dedupe`, identical code for the same tests is judged once and the verdict shared (deterministic programs).
 * Rejects with SandboxUnavailableError when the sandbox keeps failing: a step is retried or stopped, never scored 0.
 */
export async function scoreCompletions(
  items: ScoreItem[],
  provider: SandboxProvider,
  opts: ScoreOptions & { concurrency?: number; dedupe?: boolean } = {},
): Promise<ScoreResult[]> {
  const codes = items.map((it) => extractCode(it.completion));
  const byTests = new Map<TestCase[], Map<string, number>>();
  const firstOf = items.map((it, i) => {
    if (!opts.dedupe) return i;
    let byCode = byTests.get(it.tests);
    if (!byCode) byTests.set(it.tests, (byCode = new Map()));
    const key = codes[i] ?? '\0no code';
    if (!byCode.has(key)) byCode.set(key, i);
    return byCode.get(key)!;
  });
  const unique = firstOf.flatMap((f, i) => (f === i ? [i] : []));
  const out: ScoreResult[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, unique.length)) }, async () => {
    while (next < unique.length) {
      const i = unique[next++]!;
      out[i] = await scoreCode(codes[i] ?? null, items[i]!, provider, opts);
    }
  });
  await Promise.all(workers);
  return firstOf.map((f) => out[f]!);
}

function caseReports(judge: JudgeResult, mode: ScoreMode): CaseReport[] {
  const cases = judge.cases.map((c: CaseResult): CaseReport => ({
    verdict: c.verdict, code: verdictCode(c.verdict), timeS: c.timeS,
    ...(c.message ? { message: c.message } : {}), ...(c.skipped ? { skipped: true } : {}),
  }));
  if (mode === 'verl') {
    // verl: every case after the first compile error is a compile error too.
    const first = cases.findIndex((c) => c.verdict === 'compile_error');
    if (first >= 0) {
      for (let i = first + 1; i < cases.length; i++) {
        if (cases[i]!.verdict !== 'compile_error') cases[i] = { verdict: 'compile_error', code: -4, timeS: 0, message: `after case ${first}'s compile error`, skipped: true };
      }
    }
  }
  return cases;
}

/** Runs `judge`; a thrown SandboxUnavailableError or a case the sandbox could not run is retried with backoff. */
async function withRetries(opts: ScoreOptions, counted: () => void, judge: () => Promise<JudgeResult>): Promise<JudgeResult> {
  const retries = opts.retries ?? 2;
  const retryForMs = (opts.retryForS ?? 0) * 1000;
  let firstFailure = 0;
  for (let attempt = 0; ; attempt++) {
    let failure: string;
    try {
      const r = await judge();
      const broken = r.cases.find((c) => c.verdict === 'sandbox_error' && !c.skipped);
      if (!broken) return r;
      failure = `the sandbox could not run a case: ${broken.message ?? 'no detail'}`;
    } catch (err) {
      if (!(err instanceof SandboxUnavailableError)) throw err;
      failure = err.message;
    }
    firstFailure ||= Date.now();
    const delayMs = Math.min((opts.retryDelayS ?? 0.25) * 1000 * 2 ** attempt, 30_000);
    const withinTime = retryForMs > 0 && Date.now() + delayMs - firstFailure <= retryForMs;
    if (attempt >= retries && !withinTime) {
      const waited = ((Date.now() - firstFailure) / 1000).toFixed(1);
      throw new SandboxUnavailableError(`${failure} (after ${attempt + 1} attempts over ${waited} s)`);
    }
    counted();
    opts.onRetry?.(failure, attempt + 1);
    await new Promise((r) => setTimeout(r, delayMs));
  }
}

function describe(cases: CaseReport[], passed: number): string {
  if (passed === cases.length) return `all ${cases.length} cases passed`;
  const failing = cases.findIndex((c) => c.verdict !== 'pass');
  const c = cases[failing]!;
  return `${passed}/${cases.length} passed; case ${failing}: ${c.verdict}${c.message ? ` (${c.message})` : ''}`;
}
