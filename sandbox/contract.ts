// The sandbox contract: test cases, verdicts, requests/results, the provider interface and the infrastructure
// errors. sandbox/ implements it; src/reward and src/data only import it.
import type { CompareMode } from './compare.js';

/**
 * One test case. Every kind runs a program with stdin and, when an expected stdout is given, compares it
 * (verl's sandbox_fusion model: `compare` in the request says how; exact = only trailing newlines ignored).
 */
export type TestCase =
  /** The submission reads stdin; its stdout must match `stdout`. */
  | { type: 'stdio'; stdin: string; stdout: string }
  /**
   * `code` (e.g. `assert f(1) == 2`) appended to the submission after a blank line; passes when it exits 0
   * (and, when `stdout` is given, prints it: verl's assert_case rows with outputs).
   */
  | { type: 'assert'; code: string; stdin?: string; stdout?: string }
  /**
   * Call-based (python): the submission with verl's import header, then `fnName` (a global function, else a
   * method of `Solution()`) called with one argument per stdin line, each line a JSON value; the result printed
   * as verl prints it (json.dumps for dict/list/tuple/None/bool, str() otherwise) must match `stdout`.
   */
  | { type: 'call'; fnName: string; stdin: string; stdout: string };

/** stdout comparison (the modes and their rules live in compare.ts). */
export type { CompareMode };

/** verl's per-case result codes (sandbox_fusion.check_correctness). */
export type VerdictCode = true | false | -1 | -2 | -3 | -4;

export type Verdict = 'pass' | 'wrong_answer' | 'runtime_error' | 'time_limit' | 'compile_error' | 'sandbox_error';

export interface CaseResult {
  verdict: Verdict;
  /** Wall time of this case in seconds. */
  timeS: number;
  /** Short human-readable reason when not passed (e.g. first line of stderr, expected vs got). */
  message?: string;
  /** Not run because an earlier case failed and stopOnFirstFailure was set (verdict repeats that failure). */
  skipped?: boolean;
}

/** Languages of /run_code (SandboxFusion's names); pytest runs the code as a pytest test module. */
export type Language = 'python' | 'pytest' | 'cpp' | 'nodejs' | 'typescript' | 'java' | 'go' | 'rust' | 'bash';

export interface JudgeRequest {
  code: string;
  language: Language;
  tests: TestCase[];
  /** Per-case wall-clock limit in seconds. */
  timeoutS?: number;
  memoryMB?: number;
  /** Stop at the first failing case (the rest count as failed). */
  stopOnFirstFailure?: boolean;
  /** stdout comparison (default exact, as verl). */
  compare?: CompareMode;
}

export interface JudgeResult {
  cases: CaseResult[];
  passed: number;
  total: number;
  /** passed / total (0 when there are no cases). */
  fraction: number;
  allPassed: boolean;
}

/** SandboxFusion /run_code request and response (see DESIGN.md). */
export interface RunCodeRequest {
  code: string;
  language: string;
  stdin?: string;
  run_timeout?: number;
  compile_timeout?: number;
  memory_limit_MB?: number;
  /** path → base64 content; relative to the working directory, or absolute under /tmp or /mnt. null: skipped. */
  files?: Record<string, string | null>;
  fetch_files?: string[];
}
export interface CommandResult {
  status: 'Finished' | 'Error' | 'TimeLimitExceeded';
  execution_time: number | null;
  return_code: number | null;
  stdout: string | null;
  stderr: string | null;
}
export interface RunCodeResponse {
  status: 'Success' | 'Failed' | 'SandboxError';
  message: string;
  compile_result: CommandResult | null;
  run_result: CommandResult | null;
  files: Record<string, string>;
  /** Which executor ran it (SandboxFusion: the pod name, null outside Kubernetes). */
  executor_pod_name?: string | null;
}

export interface SandboxProvider {
  readonly name: 'docker' | 'remote' | 'local';
  judge(req: JudgeRequest): Promise<JudgeResult>;
  runCode(req: RunCodeRequest): Promise<RunCodeResponse>;
  close(): Promise<void>;
}

// Errors of the sandbox infrastructure (as opposed to a program failing, which is a verdict).

/**
 * The sandbox could not run the submission at all (Docker daemon down, container start failed,
 * remote sandbox unreachable or answering 5xx). Nothing is known about the program: the caller
 * should retry, not score it 0.
 */
export class SandboxUnavailableError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxUnavailableError';
  }
}

/** A request the sandbox refuses (bad field, unsupported language/test combination). Not retryable. */
export class SandboxRequestError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'SandboxRequestError';
  }
}

export function isRetryableSandboxError(err: unknown): boolean {
  return err instanceof SandboxUnavailableError;
}
