// The `remote` provider: any SandboxFusion-compatible server (ours via `rl sandbox serve`, or a real
// SandboxFusion). Judging uses only /run_code, one call per test case, like verl's sandbox_fusion
// reward, so it works against servers that know nothing of our /judge endpoint.
import { SandboxRequestError, SandboxUnavailableError } from './contract.js';
import { parseJudgeRequest } from './schemas.js';
import { Semaphore } from './semaphore.js';
import { outputsMatch, valuesEqual } from './compare.js';
import type {
  CaseResult, JudgeRequest, JudgeResult, RunCodeRequest, RunCodeResponse, SandboxProvider, TestCase,
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
}

const RESULT_MARKER = '@@RL_CALL_RESULT@@';

export class RemoteSandbox implements SandboxProvider {
  readonly name = 'remote' as const;
  private readonly slots: Semaphore;
  private readonly endpoint: string;
  private readonly attempts: number;
  private readonly slackS: number;

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

  private async judgeCase(req: JudgeRequest, test: TestCase): Promise<CaseResult> {
    const { code, stdin } = programFor(req.code, test);
    const res = await this.runCode({
      code,
      language: req.language,
      stdin,
      run_timeout: req.timeoutS ?? 10,
      memory_limit_MB: req.memoryMB ?? -1,
    });
    return verdictOf(res, test);
  }

  private async post(req: RunCodeRequest): Promise<RunCodeResponse> {
    const timeoutMs = ((req.run_timeout ?? 10) + (req.compile_timeout ?? 10) + this.slackS) * 1000;
    let lastError = '';
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      let response: Response;
      try {
        response = await fetch(this.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(req),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        lastError = `${(err as Error).name}: ${(err as Error).message}`;
        continue; // connection refused/reset or timeout: retry
      }
      const text = await response.text().catch(() => '');
      if (response.status >= 500) {
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

/** The program and stdin that run one test case through plain /run_code. */
export function programFor(code: string, test: TestCase): { code: string; stdin: string } {
  switch (test.type) {
    case 'stdio':
      return { code, stdin: test.stdin };
    case 'assert':
      return { code: `${code}\n\n${test.code}\n`, stdin: '' };
    case 'call': {
      // Arguments travel as a JSON string literal; the result is printed after a marker line.
      const driver = [
        '',
        'import json as __rl_json',
        `__rl_args = __rl_json.loads(${JSON.stringify(JSON.stringify(test.args))})`,
        `__rl_fn = globals().get(${JSON.stringify(test.fnName)})`,
        `if __rl_fn is None and isinstance(globals().get("Solution"), type): __rl_fn = getattr(Solution(), ${JSON.stringify(test.fnName)}, None)`,
        `if __rl_fn is None: raise NameError("function ${test.fnName} is not defined")`,
        '__rl_result = __rl_fn(*__rl_args)',
        'def __rl_default(o):',
        '    if isinstance(o, (set, frozenset)): return sorted(o, key=repr)',
        '    return repr(o)',
        `print("\\n${RESULT_MARKER}" + __rl_json.dumps(__rl_result, default=__rl_default))`,
        '',
      ].join('\n');
      return { code: `${code}\n${driver}`, stdin: '' };
    }
  }
}

export function verdictOf(res: RunCodeResponse, test: TestCase): CaseResult {
  const run = res.run_result;
  const timeS = run?.execution_time ?? 0;
  if (res.compile_result && (res.compile_result.status !== 'Finished' || res.compile_result.return_code !== 0)) {
    return { verdict: 'compile_error', timeS: 0, message: (res.compile_result.stderr ?? '').slice(0, 300) };
  }
  if (!run) return { verdict: 'sandbox_error', timeS: 0, message: res.message || 'no run result' };
  if (run.status === 'TimeLimitExceeded') return { verdict: 'time_limit', timeS, message: 'time limit exceeded' };
  if (run.status === 'Error') return { verdict: 'runtime_error', timeS, message: (run.stderr ?? res.message).slice(-300) };
  if (run.return_code !== 0) {
    const tail = (run.stderr ?? '').trim().split('\n').pop() ?? '';
    return { verdict: 'runtime_error', timeS, message: `exit code ${run.return_code}${tail ? `: ${tail.slice(0, 300)}` : ''}` };
  }
  const stdout = run.stdout ?? '';
  if (test.type === 'stdio') {
    return outputsMatch(test.stdout, stdout)
      ? { verdict: 'pass', timeS }
      : { verdict: 'wrong_answer', timeS, message: `expected ${JSON.stringify(test.stdout.slice(0, 100))}, got ${JSON.stringify(stdout.slice(0, 100))}` };
  }
  if (test.type === 'call') {
    const at = stdout.lastIndexOf(RESULT_MARKER);
    if (at < 0) return { verdict: 'runtime_error', timeS, message: 'no result printed by the call driver' };
    let value: unknown;
    try {
      value = JSON.parse(stdout.slice(at + RESULT_MARKER.length).trim());
    } catch {
      return { verdict: 'runtime_error', timeS, message: 'the function returned no JSON-serialisable result' };
    }
    return valuesEqual(value, test.expected)
      ? { verdict: 'pass', timeS }
      : { verdict: 'wrong_answer', timeS, message: `expected ${JSON.stringify(test.expected)}, got ${JSON.stringify(value)}`.slice(0, 300) };
  }
  return { verdict: 'pass', timeS };
}
