// The program each test case runs and what its stdout is compared with, as verl's sandbox_fusion reward builds
// them: assert code appended after a blank line, call-based code wrapped with verl's import header and caller.
// The docker/local harness and the remote provider (/run_code per case) both run exactly these texts.
import type { TestCase, Verdict, VerdictCode } from './contract.js';

/** The imports verl's call-based wrapper puts before the solution (solutions rely on them: `List`, `Counter`, `heapq`). */
const CALL_MODULES = [
  'string', 're', 'datetime', 'collections', 'heapq', 'bisect', 'copy', 'math', 'random', 'statistics',
  'itertools', 'functools', 'operator', 'io', 'sys', 'json',
];
export const CALL_IMPORT_HEADER = [
  'import traceback',
  ...CALL_MODULES.map((m) => `from ${m} import *`),
  'from builtins import *',
  'from typing import *',
  ...CALL_MODULES.map((m) => `import ${m}`),
].join('\n');

/**
 * The call-based program: header, the solution, then a caller that reads one JSON argument per stdin line,
 * finds `fnName` (global, else `Solution().fnName`) and prints the result. As in verl, a failure to parse the
 * input, find the function or run it is written to stderr and the program still exits 0 with nothing printed.
 */
export function callProgram(solution: string, fnName: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(fnName)) throw new Error(`fnName: not a Python identifier: ${JSON.stringify(fnName)}`);
  return `${CALL_IMPORT_HEADER}

${solution}

def _rl_call():
    _text = sys.stdin.read()
    _args = []
    if _text.strip():
        try:
            _args = [json.loads(_line) for _line in _text.split('\\n')]
        except json.JSONDecodeError as _e:
            sys.stderr.write('invalid JSON argument for ${fnName}: %s\\n' % _e)
            return None, True
    try:
        if '${fnName}' in globals():
            _fn = globals()['${fnName}']
        elif 'Solution' in globals():
            _fn = getattr(globals()['Solution'](), '${fnName}')
        else:
            sys.stderr.write('function ${fnName} not found\\n')
            return None, True
        return _fn(*_args), False
    except Exception:
        sys.stderr.write(traceback.format_exc())
        return None, True

if __name__ == '__main__':
    _result, _failed = _rl_call()
    if not _failed:
        if isinstance(_result, (dict, list, tuple)) or _result is None or isinstance(_result, bool):
            print(json.dumps(_result))
        else:
            print(str(_result))
`;
}

/** The full program text of one case (the harness writes it as the source file). */
export function programFor(code: string, test: TestCase): string {
  switch (test.type) {
    case 'stdio':
      return code;
    case 'assert':
      return `${code}\n\n${test.code}`;
    case 'call':
      return callProgram(code, test.fnName);
  }
}

export function stdinFor(test: TestCase): string {
  return test.type === 'assert' ? (test.stdin ?? '') : test.stdin;
}

/** Expected stdout, or null when only the exit status counts (an assert case without outputs). */
export function expectedFor(test: TestCase): string | null {
  return test.type === 'assert' ? (test.stdout ?? null) : test.stdout;
}

/** verl's per-case code for a verdict: True, False, -1 sandbox/API error, -2 runtime error, -3 time limit, -4 compile error. */
export function verdictCode(verdict: Verdict): VerdictCode {
  switch (verdict) {
    case 'pass': return true;
    case 'wrong_answer': return false;
    case 'sandbox_error': return -1;
    case 'runtime_error': return -2;
    case 'time_limit': return -3;
    case 'compile_error': return -4;
  }
}
