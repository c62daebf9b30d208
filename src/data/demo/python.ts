// Runs many tiny Python programs in ONE python3 process (the demo generator's and its test's data check).
// This is not the sandbox: it trusts the code (our own solutions) and only isolates stdin/stdout per program.
import { spawnSync } from 'node:child_process';

export interface PythonJob {
  code: string;
  stdin: string;
}

export interface PythonResult {
  stdout: string;
  /** "ExceptionName: message" when the program raised (SystemExit(0) is not an error); null otherwise. */
  error: string | null;
}

// Each program gets a fresh globals dict, sys.stdin replaced by the test input (input() falls back to
// sys.stdin.readline() when stdin is not a terminal) and stdout captured; a 2 s alarm guards against loops.
const DRIVER = String.raw`
import sys, io, json, signal, contextlib
jobs = json.loads(sys.stdin.read())
def on_alarm(signum, frame):
    raise TimeoutError('time limit exceeded')
signal.signal(signal.SIGALRM, on_alarm)
results = []
for job in jobs:
    out = io.StringIO()
    sys.stdin = io.StringIO(job['stdin'])
    error = None
    try:
        signal.setitimer(signal.ITIMER_REAL, 2.0)
        with contextlib.redirect_stdout(out):
            exec(compile(job['code'], '<solution>', 'exec'), {'__name__': '__main__'})
    except SystemExit as e:
        if e.code not in (None, 0):
            error = 'SystemExit: ' + str(e.code)
    except BaseException as e:
        error = type(e).__name__ + ': ' + str(e)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    results.append({'stdout': out.getvalue(), 'error': error})
sys.__stdout__.write(json.dumps(results))
`;

export function runPythonBatch(jobs: PythonJob[], python = process.env['RL_PYTHON'] ?? 'python3'): PythonResult[] {
  if (jobs.length === 0) return [];
  const proc = spawnSync(python, ['-c', DRIVER], {
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (proc.error) {
    const missing = (proc.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? `${python} not found: the demo data check needs a local Python 3` : `${python}: ${proc.error.message}`);
  }
  if (proc.status !== 0) throw new Error(`${python} batch runner exited with ${proc.status}: ${proc.stderr.slice(-2000)}`);
  const results = JSON.parse(proc.stdout) as PythonResult[];
  if (results.length !== jobs.length) throw new Error(`python batch returned ${results.length} results for ${jobs.length} jobs`);
  return results;
}

/** The judge's comparison: equal after trimming trailing newlines. */
export function sameOutputStrict(actual: string, expected: string): boolean {
  return actual.replace(/\n+$/, '') === expected.replace(/\n+$/, '');
}

/**
 * The most forgiving comparison a judge might use (whitespace-insensitive tokens, case-insensitive,
 * numbers equal within 1e-6). A wrong variant must fail even under this, so it stays wrong under any judge.
 */
export function sameOutputLenient(actual: string, expected: string): boolean {
  const a = actual.trim().split(/\s+/).filter(Boolean);
  const b = expected.trim().split(/\s+/).filter(Boolean);
  if (a.length !== b.length) return false;
  return a.every((token, i) => {
    const other = b[i]!;
    if (token.toLowerCase() === other.toLowerCase()) return true;
    const x = Number(token);
    const y = Number(other);
    return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(y));
  });
}
