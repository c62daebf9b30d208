// The `remote` provider: any SandboxFusion-compatible server (ours via `rl sandbox serve`, or a real
// SandboxFusion). Judging uses only /run_code, one call per test case, like verl's sandbox_fusion
// reward, so it works against servers that know nothing of our /judge endpoint.
import { SandboxRequestError, SandboxUnavailableError } from './contract.js';
import { parseJudgeRequest } from './schemas.js';
import { Semaphore } from './semaphore.js';
import { outputsMatch } from './compare.js';
import { expectedFor, programFor, stdinFor } from './programs.js';
import { DEFAULT_RUN_TIMEOUT_S } from './protocol.js';
import type {
  CaseResult, CompareMode, JudgeRequest, JudgeResult, RunCodeRequest, RunCodeResponse, SandboxProvider, TestCase,
} from './contract.js';

export interface RemoteSandboxOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 (the /run_code path is appended). */
  url: string;
  /** HTTP requests in flight at once (default 8). */
  concurrency?: number;
  /** Attempts per request on 5xx, timeouts, connection errors and SandboxError answers (default 3). */
  attempts?: number;
  /** Seconds added to the run timeout before a request counts as timed out (default 10). */
  requestSlackS?: number;
  /** Bearer token of a server started with one (default: env RL_SANDBOX_TOKEN). */
  token?: string;
}

export class RemoteSandbox implements SandboxProvider {
  readonly name = 'remote' as const;
  private readonly slots: Semaphore;
  private readonly endpoint: string;
  private readonly attempts: number;
  private readonly slackS: number;
  private readonly token: string | undefined;

  constructor(opts: RemoteSandboxOptions) {
    let base: URL;
    try {
      base = new URL(opts.url);
    } catch {
      throw new SandboxRequestError(`url: not a valid URL: ${JSON.stringify(opts.url)}`);
    }
    this.endpoint = new URL('run_code', base.href.endsWith('/') ? base.href : `${base.href}/`).href;
    this.slots = new Semaphore(opts.concurrency ?? 8);
    this.attempts = opts.attempts ?? 3;
    this.slackS = opts.requestSlackS ?? 10;
    this.token = opts.token ?? (process.env.RL_SANDBOX_TOKEN || undefined);
  }

  async runCode(req: RunCodeRequest): Promise<RunCodeResponse> {
    return this.slots.run(() => this.post(req));
  }

  async judge(raw: JudgeRequest): Promise<JudgeResult> {
    const req = parseJudgeRequest(raw);
    const cases: CaseResult[] = [];
    if (req.stopOnFirstFailure) {
      for (const test of req.tests) {
        const r = await this.judgeCase(req, test);
        cases.push(r);
        if (r.verdict !== 'pass') break;
      }
      const failed = cases[cases.length - 1];
      while (cases.length < req.tests.length) {
        cases.push({ verdict: failed.verdict, timeS: 0, message: 'not run: stopped at the first failure', skipped: true });
      }
    } else {
      cases.push(...(await Promise.all(req.tests.map((t) => this.judgeCase(req, t)))));
    }
    const passed = cases.filter((c) => c.verdict === 'pass').length;
    const total = req.tests.length;
    return { cases, passed, total, fraction: total ? passed / total : 0, allPassed: total > 0 && passed === total };
  }

  async close(): Promise<void> {}

  /** One /run_code call per case, as verl's check_correctness makes them (compile and run share the timeout). */
  private async judgeCase(req: JudgeRequest, test: TestCase): Promise<CaseResult> {
    const timeout = req.timeoutS ?? DEFAULT_RUN_TIMEOUT_S;
    const res = await this.runCode({
      code: programFor(req.code, test),
      language: req.language,
      stdin: stdinFor(test),
      compile_timeout: timeout,
      run_timeout: timeout,
      memory_limit_MB: req.memoryMB ?? -1,
    });
    return verdictOf(res, expectedFor(test), req.compare);
  }

  private async post(req: RunCodeRequest): Promise<RunCodeResponse> {
    const timeoutMs = ((req.run_timeout ?? 10) + (req.compile_timeout ?? 10) + this.slackS) * 1000;
    let lastError = '';
    let retryAfterMs = 0;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.max(retryAfterMs, 200 * 2 ** attempt)));
      retryAfterMs = 0;
      let response: Response;
      try {
        response = await fetch(this.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
          body: JSON.stringify(req),
          signal: AbortSignal.timeout(Math.ceil(timeoutMs)), // an integer, or it throws (fractional run_timeout)
        });
      } catch (err) {
        lastError = `${(err as Error).name}: ${(err as Error).message}`;
        continue; // connection refused/reset or timeout: retry
      }
      const text = await response.text().catch(() => '');
      if (response.status >= 500 || response.status === 429) {
        // Busy (503/429): wait as long as the server asks (Retry-After in seconds), then try again.
        const after = Number(response.headers.get('retry-after'));
        if (Number.isFinite(after) && after > 0) retryAfterMs = Math.min(after, 60) * 1000;
        lastError = `HTTP ${response.status}: ${text.slice(0, 200)}`;
        continue;
      }
      if (response.status >= 400) throw new SandboxRequestError(`sandbox rejected the request (HTTP ${response.status}): ${text.slice(0, 500)}`);
      let body: RunCodeResponse;
      try {
        body = JSON.parse(text) as RunCodeResponse;
      } catch {
        lastError = `unparseable answer: ${text.slice(0, 200)}`;
        continue;
      }
      if (body.status === 'SandboxError') {
        lastError = `SandboxError: ${body.message}`;
        continue;
      }
      return body;
    }
    throw new SandboxUnavailableError(`remote sandbox ${this.endpoint} failed ${this.attempts} times; last: ${lastError}`);
  }
}

/**
 * One case's verdict from a /run_code answer, classified as verl's sandbox_fusion reward does: a failed or
 * timed-out compile is compile_error; a run that timed out is time_limit; an Error or non-zero exit is
 * runtime_error; a successful run is compared (exit status only when nothing is expected).
 */
export function verdictOf(res: RunCodeResponse, expected: string | null, compare: CompareMode = 'exact'): CaseResult {
  const run = res.run_result;
  const compile = res.compile_result;
  const timeS = run?.execution_time ?? 0;
  if (res.status === 'SandboxError') return { verdict: 'sandbox_error', timeS: 0, message: res.message || 'SandboxError' };
  if (res.status === 'Failed') {
    if (compile && (compile.status !== 'Finished' || compile.return_code !== 0)) {
      return { verdict: 'compile_error', timeS: 0, message: (compile.stderr ?? '').slice(0, 300) };
    }
    if (!run) return { verdict: 'sandbox_error', timeS: 0, message: res.message || 'Failed without a run result' };
    if (run.status === 'TimeLimitExceeded') return { verdict: 'time_limit', timeS, message: 'time limit exceeded' };
    if (run.status === 'Error' || run.return_code !== 0) {
      const tail = (run.stderr ?? '').trim().split('\n').pop() ?? '';
      return { verdict: 'runtime_error', timeS, message: `exit code ${run.return_code}${tail ? `: ${tail.slice(0, 300)}` : ''}` };
    }
    return { verdict: 'sandbox_error', timeS, message: `Failed with run status ${run.status} and exit code 0` };
  }
  if (res.status !== 'Success' || !run || run.status !== 'Finished') {
    return { verdict: 'sandbox_error', timeS, message: `unexpected answer: status ${res.status}, run ${run?.status ?? 'none'}` };
  }
  const stdout = run.stdout ?? '';
  if (expected === null || outputsMatch(expected, stdout, compare)) return { verdict: 'pass', timeS };
  return {
    verdict: 'wrong_answer',
    timeS,
    message: `expected ${JSON.stringify(expected.slice(0, 100))}, got ${JSON.stringify(stdout.slice(0, 100))}`,
  };
}
