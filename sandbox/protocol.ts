// The harness protocol (sandbox/harness.py) and its translation to/from the public shapes:
// JudgeRequest/JudgeResult and SandboxFusion's RunCodeRequest/RunCodeResponse.
import type {
  CaseResult, CommandResult, CompareMode, JudgeRequest, JudgeResult, Language, RunCodeRequest, RunCodeResponse, Verdict,
} from './contract.js';
import { expectedFor, programFor, stdinFor } from './programs.js';

export const DEFAULT_RUN_TIMEOUT_S = 10;
export const DEFAULT_COMPILE_TIMEOUT_S = 10;
export const DEFAULT_MEMORY_MB = 512;
/** stdout and stderr are each capped at this many bytes per case; truncation is reported. */
export const OUTPUT_CAP_BYTES = 1 << 20;

/** case: a test case (program index, stdin, expected stdout or null for exit-status-only); run: /run_code. */
export interface HarnessCase {
  kind: 'case' | 'run';
  stdin?: string;
  expected?: string | null;
  /** Index into HarnessRequest.programs; absent: the request's code. */
  program?: number;
}

export interface HarnessRequest {
  language: Language;
  code: string;
  /** The distinct program texts of the cases (assert code appended, call wrapper), each sent once. */
  programs?: string[];
  compare?: CompareMode;
  cases: HarnessCase[];
  timeout_s: number;
  compile_timeout_s: number;
  output_cap: number;
  stop_on_first_failure: boolean;
  memory_mb?: number;
  files?: Record<string, string | null>;
  fetch_files?: string[];
}

/** Languages with a compile step (its result is the response's compile_result). */
export const COMPILED_LANGUAGES: ReadonlySet<Language> = new Set(['cpp', 'typescript', 'java', 'go', 'rust']);

export interface CompileRecord {
  type: 'compile';
  ok: boolean;
  status: 'Finished' | 'TimeLimitExceeded';
  time: number;
  return_code: number | null;
  stdout: string;
  stderr: string;
}

export interface CaseRecord {
  type: 'case';
  index: number;
  verdict: Verdict;
  time: number;
  message?: string;
  status: 'Finished' | 'TimeLimitExceeded' | 'Error';
  return_code: number | null;
  stdout?: string;
  stderr?: string;
  stdout_truncated?: boolean;
  stderr_truncated?: boolean;
}

export type HarnessRecord =
  | CompileRecord
  | CaseRecord
  | { type: 'files'; files: Record<string, string> }
  | { type: 'start' }
  | { type: 'done' }
  | { type: 'error'; message: string; trace?: string };

/** What a harness run produced, however it ended. */
export interface HarnessOutcome {
  compile?: CompileRecord;
  cases: CaseRecord[];
  files?: Record<string, string>;
  /** done: the harness finished; deadline: the runner's hard time budget killed it; died: it vanished mid-run. */
  termination: 'done' | 'deadline' | 'died';
  /** The harness read the request (its `start` record): a harness that died without it never ran the program. */
  started?: boolean;
  /** Why it died (e.g. "the container ran out of memory"), or the harness's own error message. */
  reason?: string;
  harnessError?: string;
  wallS: number;
}

export function harnessRequestForJudge(req: JudgeRequest): HarnessRequest {
  const programs: string[] = [];
  const index = new Map<string, number>();
  const cases: HarnessCase[] = req.tests.map((test) => {
    const text = programFor(req.code, test);
    let i = index.get(text);
    if (i === undefined) index.set(text, (i = programs.push(text) - 1));
    return { kind: 'case', program: i, stdin: stdinFor(test), expected: expectedFor(test) };
  });
  return {
    language: req.language,
    code: req.code,
    programs,
    compare: req.compare ?? 'exact',
    cases,
    timeout_s: req.timeoutS ?? DEFAULT_RUN_TIMEOUT_S,
    compile_timeout_s: DEFAULT_COMPILE_TIMEOUT_S,
    output_cap: OUTPUT_CAP_BYTES,
    stop_on_first_failure: req.stopOnFirstFailure ?? false,
    memory_mb: req.memoryMB,
  };
}

export function harnessRequestForRunCode(req: RunCodeRequest & { language: Language }): HarnessRequest {
  const memory = req.memory_limit_MB !== undefined && req.memory_limit_MB > 0 ? req.memory_limit_MB : undefined;
  return {
    language: req.language,
    code: req.code,
    cases: [{ kind: 'run', stdin: req.stdin ?? '' }],
    timeout_s: req.run_timeout ?? DEFAULT_RUN_TIMEOUT_S,
    compile_timeout_s: req.compile_timeout ?? DEFAULT_COMPILE_TIMEOUT_S,
    output_cap: OUTPUT_CAP_BYTES,
    stop_on_first_failure: false,
    memory_mb: memory,
    files: req.files,
    fetch_files: req.fetch_files,
  };
}

/**
 * The runner's hard budget for one harness run: every case's own limit plus a little slack per case,
 * so the harness (which enforces the per-case limits itself) is only overruled when it is stuck. The fixed 1 s
 * covers the harness's own kill, sweep and report on a loaded host: at 0.4 s, 1 of 256 mixed submissions at 128
 * concurrent clients (load average ~10 on 2 cores) hit the budget instead of the harness's time limit.
 */
export function hardBudgetMs(req: HarnessRequest): number {
  const compile = COMPILED_LANGUAGES.has(req.language) ? req.compile_timeout_s + 0.3 : 0;
  return Math.round((compile + req.cases.length * (req.timeout_s + 0.15) + 1.0) * 1000);
}

/** Folds streamed harness lines into an outcome. */
export class OutcomeBuilder {
  readonly outcome: HarnessOutcome = { cases: [], termination: 'died', wallS: 0 };

  add(line: string): void {
    if (!line.trim()) return;
    let rec: HarnessRecord;
    try {
      rec = JSON.parse(line) as HarnessRecord;
    } catch {
      return; // not a protocol line (cannot happen unless the harness itself prints)
    }
    switch (rec.type) {
      case 'compile':
        this.outcome.compile = rec;
        break;
      case 'case':
        this.outcome.cases[rec.index] = rec;
        break;
      case 'files':
        this.outcome.files = rec.files;
        break;
      case 'start':
        this.outcome.started = true;
        break;
      case 'done':
        this.outcome.termination = 'done';
        break;
      case 'error':
        this.outcome.harnessError = rec.message;
        this.outcome.termination = 'done';
        break;
    }
  }

  /** Index of the first case without a record: the one that was running when the harness stopped. */
  nextCaseIndex(): number {
    let i = 0;
    while (this.outcome.cases[i]) i++;
    return i;
  }
}

function clip(text: string, n = 300): string {
  return text.length <= n ? text : `${text.slice(0, n)}...`;
}

export function toJudgeResult(req: HarnessRequest, out: HarnessOutcome): JudgeResult {
  const total = req.cases.length;
  const cases: CaseResult[] = [];
  const compileFailed = out.compile !== undefined && !out.compile.ok;
  let firstFailure: Verdict | undefined;
  for (let i = 0; i < total; i++) {
    const rec = out.cases[i];
    if (out.harnessError) {
      cases.push({ verdict: 'sandbox_error', timeS: 0, message: clip(`harness error: ${out.harnessError}`) });
    } else if (compileFailed) {
      const c = out.compile!;
      const why = c.status === 'TimeLimitExceeded' ? 'compile time limit exceeded' : clip(c.stderr.trim() || `compiler exit ${c.return_code}`);
      cases.push({ verdict: 'compile_error', timeS: 0, message: why });
    } else if (rec) {
      const result: CaseResult = { verdict: rec.verdict, timeS: rec.time };
      if (rec.message) result.message = rec.message;
      cases.push(result);
      if (rec.verdict !== 'pass' && firstFailure === undefined) firstFailure = rec.verdict;
    } else if (out.termination === 'done' && req.stop_on_first_failure && firstFailure !== undefined) {
      cases.push({ verdict: firstFailure, timeS: 0, message: 'not run: stopped at the first failure', skipped: true });
    } else if (out.termination === 'deadline') {
      cases.push({ verdict: 'time_limit', timeS: 0, message: 'not finished within the submission\'s time budget' });
    } else {
      cases.push({ verdict: 'runtime_error', timeS: 0, message: out.reason ?? 'the sandbox harness stopped before this case' });
    }
  }
  const passed = cases.filter((c) => c.verdict === 'pass').length;
  return { cases, passed, total, fraction: total ? passed / total : 0, allPassed: total > 0 && passed === total };
}

export function toRunCodeResponse(req: HarnessRequest, out: HarnessOutcome): RunCodeResponse {
  if (out.harnessError) {
    return { status: 'SandboxError', message: clip(out.harnessError, 1000), compile_result: null, run_result: null, files: {} };
  }
  const compile: CommandResult | null = out.compile
    ? {
        status: out.compile.status,
        execution_time: out.compile.time,
        return_code: out.compile.return_code,
        stdout: out.compile.stdout,
        stderr: out.compile.stderr,
      }
    : null;
  const rec = out.cases[0];
  let run: CommandResult | null = null;
  const notes: string[] = [];
  if (rec) {
    run = {
      status: rec.status,
      execution_time: rec.time,
      return_code: rec.return_code,
      stdout: rec.stdout ?? '',
      stderr: rec.stderr ?? '',
    };
    if (rec.stdout_truncated) notes.push(`stdout truncated to ${req.output_cap} bytes`);
    if (rec.stderr_truncated) notes.push(`stderr truncated to ${req.output_cap} bytes`);
    if (rec.verdict === 'sandbox_error' && rec.message) notes.push(rec.message);
  } else if (!out.compile || out.compile.ok) {
    // The harness never reported the run: killed by the hard budget or it died with the program.
    run =
      out.termination === 'deadline'
        ? { status: 'TimeLimitExceeded', execution_time: req.timeout_s, return_code: null, stdout: '', stderr: '' }
        : { status: 'Error', execution_time: null, return_code: null, stdout: '', stderr: out.reason ?? '' };
    if (out.reason) notes.push(out.reason);
  }
  const compileOk = !out.compile || (out.compile.ok && out.compile.status === 'Finished');
  const success = compileOk && run !== null && run.status === 'Finished' && run.return_code === 0;
  return {
    status: success ? 'Success' : 'Failed',
    message: notes.join('; '),
    compile_result: compile,
    run_result: run,
    files: out.files ?? {},
  };
}
