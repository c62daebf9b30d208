// Sandbox throughput: judge 256 python submissions x 5 stdin/stdout cases in the Docker sandbox, beside
// the floor measured in the same run: the same programs run by bare `python3` subprocesses on the host.
// Run: node dist/bench/sandbox.js  (env: BENCH_SUBMISSIONS, BENCH_CONCURRENCY, BENCH_POOL)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DockerSandbox } from '../sandbox/docker-sandbox.js';
import { outputsMatch } from '../sandbox/compare.js';
import { resolvePython } from '../sandbox/local-sandbox.js';
import type { TestCase } from '../sandbox/contract.js';
import type { BenchRow } from './types.js';

const CASES = 5;

interface Submission {
  code: string;
  tests: TestCase[];
}

/** Small, distinct programs of the kind a code-RL step judges (parse input, compute, print). */
function makeSubmissions(n: number): Submission[] {
  return Array.from({ length: n }, (_, i) => {
    const k = (i % 7) + 2;
    const code = `import sys\nnums = list(map(int, sys.stdin.read().split()))\nprint(sum(x * ${k} for x in nums) + ${i})\n`;
    const tests: TestCase[] = Array.from({ length: CASES }, (_, c) => {
      const nums = [c + 1, c + i, 3 * c];
      return { type: 'stdio', stdin: nums.join(' ') + '\n', stdout: String(nums.reduce((s, x) => s + x * k, 0) + i) };
    });
    return { code, tests };
  });
}

function runPython(python: string, file: string, stdin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [file], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('error', reject);
    child.on('close', () => resolve(out));
    child.stdin.end(stdin);
  });
}

async function pooled<T>(items: T[], workers: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** The floor: every case as its own bare python3 process, as many at once as there are cores. */
async function floor(subs: Submission[], python: string, workers: number): Promise<{ seconds: number; passed: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'rl-bench-floor-'));
  try {
    const jobs = subs.flatMap((s, i) => {
      const file = join(dir, `s${i}.py`);
      writeFileSync(file, s.code);
      return s.tests.map((t) => ({ file, t: t as Extract<TestCase, { type: 'stdio' }> }));
    });
    let passed = 0;
    const t0 = performance.now();
    await pooled(jobs, workers, async ({ file, t }) => {
      if (outputsMatch(t.stdout, await runPython(python, file, t.stdin))) passed++;
    });
    return { seconds: (performance.now() - t0) / 1000, passed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchRow[]> {
  const n = Number(process.env.BENCH_SUBMISSIONS ?? 256);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
  const poolSize = Number(process.env.BENCH_POOL ?? concurrency + 2);
  const cores = availableParallelism();
  const subs = makeSubmissions(n);
  // The container runs Debian's python3; use the same build on the host when present (pyenv shims add ~100 ms per start).
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : resolvePython();

  const sb = await DockerSandbox.create({ concurrency, poolSize });
  try {
    await sb.judge({ code: 'print(1)', language: 'python', tests: [{ type: 'stdio', stdin: '', stdout: '1' }] }); // warm
    await sb.settle();
    const t0 = performance.now();
    const results = await Promise.all(subs.map((s) => sb.judge({ code: s.code, language: 'python', tests: s.tests, timeoutS: 10 })));
    const sandboxS = (performance.now() - t0) / 1000;
    const sandboxPassed = results.reduce((a, r) => a + r.passed, 0);
    await sb.settle();

    const f = await floor(subs, python, cores);
    const total = n * CASES;
    const perCase = (sandboxS / total) * 1000;
    const perCaseFloor = (f.seconds / total) * 1000;
    const setup = `${n} submissions x ${CASES} cases, ${cores} cores, sandbox concurrency ${concurrency}, pool ${poolSize}`;
    return [
      { bench: 'sandbox', metric: 'docker judge throughput', value: n / sandboxS, unit: 'submissions/s', baseline: n / f.seconds, ratio: (n / sandboxS) / (n / f.seconds), note: `${setup}; baseline = bare ${python} subprocesses (${cores} at once); ratio = sandbox/floor` },
      { bench: 'sandbox', metric: 'cost per test case', value: perCase, unit: 'ms', baseline: perCaseFloor, ratio: perCase / perCaseFloor, note: `wall time / cases; ratio = sandbox/floor (goal <= 2); includes container create/start/remove (one container per submission)` },
      { bench: 'sandbox', metric: 'cases passed (sanity)', value: sandboxPassed, unit: 'cases', baseline: f.passed, note: `of ${total}` },
    ];
  } finally {
    await sb.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then(
    (rows) => {
      for (const r of rows) {
        console.log(`${r.metric}: ${r.value.toFixed(3)} ${r.unit}` + (r.baseline !== undefined ? ` | floor ${r.baseline.toFixed(3)}` : '') + (r.ratio !== undefined ? ` | ratio ${r.ratio.toFixed(2)}` : '') + (r.note ? `  (${r.note})` : ''));
      }
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
