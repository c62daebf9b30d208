// `rl bench`: the estimator ablation sweeps (the paper's Table 7 at small scale), their report, and the throughput benches.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTable, runSandboxLoad } from '../../bench/sandbox-load.js';
import { perfTable, runPerf } from '../bench/perf.js';
import { writeReport } from '../bench/report.js';
import { packageRoot, runSweep } from '../bench/runner.js';
import { loadSweep, planGroup, type GroupPlan } from '../bench/sweep.js';
import type { CliCommand } from './command.js';

export const GROUPS = ['estimators', 'max-len', 'n'] as const;

const USAGE = `usage:
  rl bench ablation --group estimators|max-len|n|all [options] [key=value ...]
      Runs the group's sweep (configs/sweeps/<group>.yaml): every (configuration, seed) is an
      ordinary "rl train" run in <out>/<group>/<configuration>/seed-<k>, one after another.
      Rerunning the same command continues an interrupted sweep (finished runs are skipped,
      unfinished ones resumed). Writes report.md, report.html, summary.json and plots/*.svg to <out>.
    --group G        estimators | max-len | n | all
    --sweep FILE     a sweep file of your own instead of --group (repeatable)
    --quick          the file's small subset (few steps, 1 seed): minutes on 2 CPU cores
    --seeds K        seeds per configuration (default: the sweep file's)
    --steps S        training steps per run (default: the sweep file's)
    --out DIR        sweep folder (default runs/bench/<group>[-quick])
    --trainer CMD    command that "train ..." is appended to (default: node <rl>/bin/rl.js)
    --keep-going     continue with the next run when one fails
    --verbose        show the trainer's output (always in <run>/train.log)
    key=value        extra training overrides for every run (e.g. model.path=...)
  rl bench report DIR
      Rewrites the report of a sweep folder from its runs' metrics.jsonl.
  rl bench perf [--only a,b] [--timeout S] [--out FILE] [--verbose]
      Runs the compiled throughput benches (dist/bench/*.js), each in its own process, and prints
      one table; ratio is the bench's own, else value/baseline. Fails if a bench fails (not if missing).
  rl bench sandbox-load [--levels 1,8,32,128] [--requests N] [--memory-requests N] [--concurrency N]
                        [--pool-size N] [--no-faults]
      Starts \`rl sandbox serve\` (Docker) on 127.0.0.1 and drives it with C concurrent clients per level, each
      sending a mix of passing, failing, timing-out, crashing and output-heavy submissions (max(N, 2C) per
      level, N default 40); prints throughput, p50/p95/p99, non-2xx, lost requests and verdicts that differ
      from the same submission run alone; then faults while loaded (docker kill, slowloris, 64 MiB body,
      malformed JSON, client disconnect), server RSS over --memory-requests cheap requests (default 10000),
      and the containers left after stop. Fails when anything is lost, wrong or left behind.`;

function sweepFileFor(group: string): string {
  return join(packageRoot(), 'configs', 'sweeps', `${group}.yaml`);
}

async function ablation(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      group: { type: 'string' },
      sweep: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      seeds: { type: 'string' },
      steps: { type: 'string' },
      out: { type: 'string' },
      trainer: { type: 'string' },
      'keep-going': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
  let files: string[];
  let name: string;
  if (values.sweep?.length) {
    if (values.group) throw new Error('give either --group or --sweep, not both');
    files = values.sweep.map((f) => resolve(f));
    name = 'custom';
  } else {
    const g = values.group;
    if (!g) throw new Error(`--group is required (estimators, max-len, n or all)\n${USAGE}`);
    if (g !== 'all' && !(GROUPS as readonly string[]).includes(g)) throw new Error(`unknown --group "${g}": expected estimators, max-len, n or all`);
    files = (g === 'all' ? [...GROUPS] : [g]).map(sweepFileFor);
    name = g;
  }
  for (const p of positionals) if (!p.includes('=')) throw new Error(`unexpected argument "${p}": overrides are key=value`);
  const seeds = int('seeds', values.seeds);
  const steps = int('steps', values.steps);
  const groups: GroupPlan[] = files.map((f) =>
    planGroup(loadSweep(f), {
      quick: values.quick,
      ...(seeds !== undefined ? { seeds } : {}),
      ...(steps !== undefined ? { steps } : {}),
      extraOverrides: positionals,
    }),
  );
  const sweepDir = resolve(values.out ?? join('runs', 'bench', `${name}${values.quick ? '-quick' : ''}`));
  const trainerCmd = values.trainer ?? process.env.RL_BENCH_TRAINER;
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    console.log(`[bench] sweep folder: ${sweepDir}`);
    const result = await runSweep({
      sweepDir,
      groups,
      ...(trainerCmd ? { trainer: trainerCmd.split(/\s+/).filter(Boolean) } : {}),
      signal: ac.signal,
      keepGoing: values['keep-going'],
      verbose: values.verbose,
    });
    if (result.failed.length) throw new Error(`${result.failed.length} run(s) failed: ${result.failed.map((f) => f.dir).join(', ')}`);
  } catch (e) {
    if (ac.signal.aborted) throw new Error(`interrupted; run the same command again to continue the sweep in ${sweepDir}`);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

async function report(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { out: { type: 'string' } } });
  const dir = values.out ?? positionals[0];
  if (!dir) throw new Error('usage: rl bench report DIR');
  writeReport(resolve(dir), { generatedAt: new Date().toISOString() });
  console.log(`wrote ${join(resolve(dir), 'report.md')}, report.html, summary.json and plots/`);
}

async function perf(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      only: { type: 'string' },
      timeout: { type: 'string' },
      out: { type: 'string' },
      'bench-dir': { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const timeoutS = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new Error(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
  const outcomes = await runPerf({
    ...(values.only ? { only: values.only.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(timeoutS !== undefined ? { timeoutS } : {}),
    ...(values['bench-dir'] ? { benchDir: values['bench-dir'] } : {}),
    verbose: values.verbose,
  });
  const table = perfTable(outcomes);
  console.log(table);
  if (values.out) {
    writeFileSync(values.out, values.out.endsWith('.json') ? JSON.stringify(outcomes, null, 2) + '\n' : table + '\n');
    console.log(`wrote ${values.out}`);
  }
  // A bench that is not written yet is a note; one that breaks is an error (after the table is out).
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length) throw new Error(`${failed.length} bench(es) failed: ${failed.map((o) => `${o.bench} (${o.note})`).join('; ')}`);
}

async function sandboxLoad(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      levels: { type: 'string', default: '1,8,32,128' },
      requests: { type: 'string', default: '40' },
      'memory-requests': { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '2' },
      'pool-size': { type: 'string', default: '3' },
      'no-faults': { type: 'boolean', default: false },
    },
  });
  const int = (v: string, name: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got "${v}"`);
    return n;
  };
  const result = await runSandboxLoad({
    levels: values.levels.split(',').map((s) => int(s.trim(), 'levels')),
    minRequests: int(values.requests, 'requests'),
    memoryRequests: int(values['memory-requests'], 'memory-requests'),
    concurrency: int(values.concurrency, 'concurrency'),
    poolSize: int(values['pool-size'], 'pool-size'),
    faults: !values['no-faults'],
    log: (line) => console.error(line),
  });
  console.log(loadTable(result.rows));
  for (const f of result.faults) console.log(`- ${f}`);
  console.log(`- ${result.memory}`);
  console.log(`- containers left after stop: ${result.leftBehind}`);
  if (!result.ok) throw new Error('sandbox-load: requests lost, wrong verdicts, failed faults or containers left behind (see above)');
}

export const command: CliCommand = {
  name: 'bench',
  summary: 'ablation sweeps (estimators, max length, rollouts per prompt) with report; throughput benches',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
      console.log(USAGE);
      return;
    }
    if (sub === 'ablation') return ablation(rest);
    if (sub === 'report') return report(rest);
    if (sub === 'perf') return perf(rest);
    if (sub === 'sandbox-load') return sandboxLoad(rest);
    throw new Error(`unknown "rl bench ${sub}": expected ablation, report, perf or sandbox-load\n${USAGE}`);
  },
};
