// `rl bench`: the estimator ablation sweeps (the paper's Table 7 at small scale), their report, and the throughput benches.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { loadTable, runSandboxLoad } from '../../bench/sandbox-load.js';
import { perfTable, runPerf } from '../bench/perf.js';
import { writeReport } from '../bench/report.js';
import { packageRoot, runSweep } from '../bench/runner.js';
import { loadSweep, planGroup, type GroupPlan } from '../bench/sweep.js';
import type { CliCommand } from './command.js';
import { parseSchemaArgv, parseSchemaArgs, schemaHelp } from './schema_options.js';

export const GROUPS = ['estimators', 'max-len', 'n'] as const;

const positiveInt = () => z.number().int().min(1);

const ablationOptionsSchema = z.strictObject({
  group: z.enum([...GROUPS, 'all']).optional().describe('the sweep of configs/sweeps/<group>.yaml (all: each in turn)'),
  sweep: z.array(z.string()).optional().describe('sweep files of your own instead of --group (repeatable)'),
  quick: z.boolean().default(false).describe("the file's small subset (few steps, 1 seed): minutes on 2 CPU cores"),
  seeds: positiveInt().optional().describe("seeds per configuration (default: the sweep file's)"),
  steps: positiveInt().optional().describe("training steps per run (default: the sweep file's)"),
  out: z.string().optional().describe('sweep folder (default runs/bench/<group>[-quick])'),
  trainer: z.string().optional().describe('command that "train ..." is appended to (default: env RL_BENCH_TRAINER, else node <rl>/bin/rl.js)'),
  'keep-going': z.boolean().default(false).describe('continue with the next run when one fails'),
  verbose: z.boolean().default(false).describe("show the trainer's output (always in <run>/train.log)"),
});

const reportOptionsSchema = z.strictObject({
  out: z.string().optional().describe('the sweep folder (same as DIR)'),
});

const perfOptionsSchema = z.strictObject({
  only: z.array(z.string()).optional().describe('run only these benches'),
  timeout: z.number().positive().optional().describe('seconds per bench'),
  out: z.string().optional().describe('also write the table here (.json: the outcomes as JSON)'),
  'bench-dir': z.string().optional().describe('folder of the compiled benches (default dist/bench)'),
  verbose: z.boolean().default(false).describe("show the benches' output"),
});

const sandboxLoadOptionsSchema = z.strictObject({
  levels: z.array(positiveInt()).default([1, 8, 32, 128]).describe('concurrent clients of each level'),
  requests: positiveInt().default(40).describe('submissions per level: max(N, 2C)'),
  'memory-requests': positiveInt().default(10000).describe("cheap requests over which the server's RSS is watched"),
  concurrency: positiveInt().default(2).describe("the server's --concurrency"),
  'pool-size': positiveInt().default(3).describe("the server's --pool-size"),
  'no-faults': z.boolean().default(false).describe('skip the faults while loaded'),
});

const INDENT = '      ';
const USAGE = `usage:
  rl bench ablation --group estimators|max-len|n|all [options] [key=value ...]
      Runs the group's sweep (configs/sweeps/<group>.yaml): every (configuration, seed) is an
      ordinary "rl train" run in <out>/<group>/<configuration>/seed-<k>, one after another.
      Rerunning the same command continues an interrupted sweep (finished runs are skipped,
      unfinished ones resumed). Writes report.md, report.html, summary.json and plots/*.svg to <out>.
      key=value: extra training overrides for every run (e.g. model.path=...).
${schemaHelp(ablationOptionsSchema, INDENT)}
  rl bench report DIR
      Rewrites the report of a sweep folder from its runs' metrics.jsonl.
${schemaHelp(reportOptionsSchema, INDENT)}
  rl bench perf [options]
      Runs the compiled throughput benches (dist/bench/*.js), each in its own process, and prints
      one table; ratio is the bench's own, else value/baseline. Fails if a bench fails (not if missing).
${schemaHelp(perfOptionsSchema, INDENT)}
  rl bench sandbox-load [options]
      Starts \`rl sandbox serve\` (Docker) on 127.0.0.1 and drives it with C concurrent clients per level, each
      sending a mix of passing, failing, timing-out, crashing and output-heavy submissions (max(N, 2C) per
      level); prints throughput, p50/p95/p99, non-2xx, lost requests and verdicts that differ
      from the same submission run alone; then faults while loaded (docker kill, slowloris, 64 MiB body,
      malformed JSON, client disconnect), server RSS over --memory-requests cheap requests,
      and the containers left after stop. Fails when anything is lost, wrong or left behind.
${schemaHelp(sandboxLoadOptionsSchema, INDENT)}`;

function sweepFileFor(group: string): string {
  return join(packageRoot(), 'configs', 'sweeps', `${group}.yaml`);
}

async function ablation(argv: string[]): Promise<void> {
  const parsed = parseSchemaArgv(ablationOptionsSchema, argv, USAGE);
  if (parsed === null) return void console.log(USAGE);
  const { options: values, positionals } = parsed;
  let files: string[];
  let name: string;
  if (values.sweep?.length) {
    if (values.group) throw new Error('give either --group or --sweep, not both');
    files = values.sweep.map((f) => resolve(f));
    name = 'custom';
  } else {
    const g = values.group;
    if (!g) throw new Error(`--group is required (estimators, max-len, n or all)\n${USAGE}`);
    files = (g === 'all' ? [...GROUPS] : [g]).map(sweepFileFor);
    name = g;
  }
  for (const p of positionals) if (!p.includes('=')) throw new Error(`unexpected argument "${p}": overrides are key=value`);
  const { seeds, steps } = values;
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
  const parsed = parseSchemaArgv(reportOptionsSchema, argv, USAGE);
  if (parsed === null) return void console.log(USAGE);
  const dir = parsed.options.out ?? parsed.positionals[0];
  if (!dir) throw new Error('usage: rl bench report DIR');
  writeReport(resolve(dir), { generatedAt: new Date().toISOString() });
  console.log(`wrote ${join(resolve(dir), 'report.md')}, report.html, summary.json and plots/`);
}

async function perf(argv: string[]): Promise<void> {
  const values = parseSchemaArgs(perfOptionsSchema, argv, USAGE);
  if (values === null) return void console.log(USAGE);
  const timeoutS = values.timeout;
  const outcomes = await runPerf({
    ...(values.only ? { only: values.only } : {}),
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
  const values = parseSchemaArgs(sandboxLoadOptionsSchema, argv, USAGE);
  if (values === null) return void console.log(USAGE);
  const result = await runSandboxLoad({
    levels: values.levels,
    minRequests: values.requests,
    memoryRequests: values['memory-requests'],
    concurrency: values.concurrency,
    poolSize: values['pool-size'],
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
