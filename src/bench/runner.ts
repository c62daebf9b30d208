// The sweep runner: every (configuration, seed) is an ordinary `rl train` run in its own folder, run one
// after the other (the machine has few cores). Resumable: a folder with done.json is skipped, a folder the
// trainer already wrote into is continued with --resume, and the report is rewritten after every run.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSweepRecord, runDir, SWEEP_FILE, writeReport, type SweepRecord } from './report.js';
import { hasStarted, isFinished, loadRun } from './runs.js';
import { summarizeRun } from './summary.js';
import { expandRuns, type GroupPlan, type PlannedRun } from './sweep.js';

export const RUN_PLAN_FILE = 'bench-run.json';
export const TRAIN_LOG = 'train.log';

export interface SweepOptions {
  sweepDir: string;
  groups: GroupPlan[];
  /** Command that `train …` is appended to; default: this package's `node bin/rl.js`. */
  trainer?: string[];
  log?: (line: string) => void;
  /** Aborting kills the running trainer (its folder stays resumable) and rejects. */
  signal?: AbortSignal;
  /** Continue with the next run when one fails (default: stop at the first failure). */
  keepGoing?: boolean;
  /** Also copy the trainer's output to this process's stdout/stderr (it always goes to <run>/train.log). */
  verbose?: boolean;
  /** Rewrite the report after each run and at the end (default true). */
  report?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface SweepResult {
  sweepDir: string;
  total: number;
  skipped: number;
  resumed: number;
  fresh: number;
  failed: { run: PlannedRun; dir: string; error: string }[];
}

/** The folder holding package.json, found upwards from this file (works from src/ and from dist/src/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'rl.js'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the rl package root (package.json with bin/rl.js) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export function defaultTrainer(): string[] {
  return [process.execPath, join(packageRoot(), 'bin', 'rl.js')];
}

/** The `rl train` arguments of one run. */
export function trainArgs(run: PlannedRun, dir: string, resume: boolean): string[] {
  return [
    'train',
    '--config',
    run.base,
    ...run.overrides,
    '--out',
    dir,
    '--steps',
    String(run.steps),
    '--seed',
    String(run.seed),
    ...(resume ? ['--resume'] : []),
  ];
}

function samePlan(a: GroupPlan, b: GroupPlan): string | null {
  if (a.base !== b.base) return `base config ${a.base} vs ${b.base}`;
  if (JSON.stringify(a.warmStart ?? null) !== JSON.stringify(b.warmStart ?? null)) return 'warm start';
  if (a.steps !== b.steps) return `steps ${a.steps} vs ${b.steps}`;
  if (a.quick !== b.quick) return `quick ${a.quick} vs ${b.quick}`;
  for (const c of b.configurations) {
    const old = a.configurations.find((x) => x.label === c.label);
    if (old && JSON.stringify(old.overrides) !== JSON.stringify(c.overrides)) {
      return `configuration "${c.label}" overrides [${old.overrides.join(' ')}] vs [${c.overrides.join(' ')}]`;
    }
  }
  return null;
}

/** The sweep folder's record after adding these groups: seeds and configurations are unions, the rest must match. */
export function mergeSweepRecord(old: SweepRecord | null, groups: GroupPlan[], sweepDir: string): SweepRecord {
  const merged: GroupPlan[] = old ? old.groups.map((g) => structuredClone(g)) : [];
  for (const g of groups) {
    const i = merged.findIndex((x) => x.group === g.group);
    if (i < 0) {
      merged.push(structuredClone(g));
      continue;
    }
    const prev = merged[i]!;
    const diff = samePlan(prev, g);
    if (diff) {
      throw new Error(`sweep folder ${sweepDir} already holds group "${g.group}" run with a different plan (${diff}); use another --out folder`);
    }
    const configurations = [...g.configurations, ...prev.configurations.filter((c) => !g.configurations.some((x) => x.label === c.label))];
    const seeds = [...new Set([...prev.seeds, ...g.seeds])].sort((a, b) => a - b);
    merged[i] = { ...g, configurations, seeds };
  }
  return { version: 1, groups: merged };
}

export const WARM_START_DIR = '_warm-start';
export const WARM_START_DONE = 'warm-start.json';

export function warmStartDir(sweepDir: string, group: string, seed: number): string {
  return join(sweepDir, group, WARM_START_DIR, `seed-${seed}`);
}

/** The arguments of the warm-start command of one seed (it writes <dir>/model). */
export function warmStartArgs(run: PlannedRun, dir: string): string[] {
  const ws = run.warmStart!;
  return [ws.command, '--config', run.base, ...ws.overrides, '--out', dir, '--seed', String(run.seed)];
}

/** Run the group's warm start for this seed unless it already finished with the same arguments. */
async function ensureWarmStart(run: PlannedRun, dir: string, trainer: string[], opts: SweepOptions, log: (l: string) => void): Promise<void> {
  const args = warmStartArgs(run, dir);
  const done = join(dir, WARM_START_DONE);
  if (existsSync(done)) {
    const old = JSON.parse(readFileSync(done, 'utf8')) as { args: string[] };
    if (JSON.stringify(old.args) !== JSON.stringify(args)) {
      throw new Error(`warm start ${dir} was made with [${old.args.join(' ')}], this sweep asks for [${args.join(' ')}]; use another --out folder`);
    }
    return;
  }
  mkdirSync(dir, { recursive: true });
  const head = `[bench] warm start  ${run.group}  seed ${run.seed}  (rl ${run.warmStart!.command})`;
  log(`${head}: starting`);
  const t0 = performance.now();
  const code = await runTrainer(trainer, args, join(dir, TRAIN_LOG), opts);
  const secs = (performance.now() - t0) / 1000;
  if (code !== 0 || !existsSync(join(dir, 'model', 'config.json'))) {
    const why = code !== 0 ? `exited with code ${code}` : `exited with code 0 but wrote no ${join(dir, 'model', 'config.json')}`;
    throw new Error(`${head}: FAILED: it ${why} (log: ${join(dir, TRAIN_LOG)})\n${tail(join(dir, TRAIN_LOG), 15)}`);
  }
  writeFileSync(done, JSON.stringify({ args, wall_s: secs }, null, 2) + '\n');
  log(`${head}: finished in ${fmtDuration(secs)}`);
}

/** Refuse to reuse a run folder that was started with different arguments. */
function checkRunPlan(dir: string, run: PlannedRun): void {
  const file = join(dir, RUN_PLAN_FILE);
  if (!existsSync(file)) return;
  const old = JSON.parse(readFileSync(file, 'utf8')) as PlannedRun;
  for (const k of ['group', 'label', 'seed', 'steps', 'base'] as const) {
    if (old[k] !== run[k]) throw new Error(`run folder ${dir} was started with ${k}=${old[k]}, this sweep asks for ${k}=${run[k]}; use another --out folder`);
  }
  if (JSON.stringify(old.overrides) !== JSON.stringify(run.overrides)) {
    throw new Error(`run folder ${dir} was started with overrides [${old.overrides.join(' ')}], this sweep asks for [${run.overrides.join(' ')}]; use another --out folder`);
  }
}

function fmtDuration(s: number): string {
  if (s < 90) return `${s.toFixed(1)}s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(2)} h`;
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Run the trainer once; resolves with its exit code (or rejects when aborted, after killing it). */
function runTrainer(cmd: string[], args: string[], logFile: string, opts: SweepOptions): Promise<number> {
  return new Promise((resolveRun, reject) => {
    if (opts.signal?.aborted) return reject(new Error('sweep interrupted'));
    const log = createWriteStream(logFile, { flags: 'a' });
    log.write(`\n# ${new Date().toISOString()} ${[...cmd, ...args].join(' ')}\n`);
    const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    child.stdout.on('data', (d: Buffer) => {
      log.write(d);
      if (opts.verbose) process.stdout.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      log.write(d);
      if (opts.verbose) process.stderr.write(d);
    });
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      log.end(() => reject(new Error(`cannot start the trainer "${cmd.join(' ')}": ${e.message}`)));
    });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      log.end(() => {
        if (opts.signal?.aborted) reject(new Error('sweep interrupted'));
        else resolveRun(code ?? (sig ? 128 : 1));
      });
    });
  });
}

export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  const sweepDir = resolve(opts.sweepDir);
  const log = opts.log ?? ((l: string) => console.log(l));
  const trainer = opts.trainer ?? defaultTrainer();
  mkdirSync(sweepDir, { recursive: true });
  const old = existsSync(join(sweepDir, SWEEP_FILE)) ? readSweepRecord(sweepDir) : null;
  const record = mergeSweepRecord(old, opts.groups, sweepDir);
  writeFileSync(join(sweepDir, SWEEP_FILE), JSON.stringify(record, null, 2) + '\n');

  const runs = expandRuns(opts.groups);
  const result: SweepResult = { sweepDir, total: runs.length, skipped: 0, resumed: 0, fresh: 0, failed: [] };
  const writeReportSafely = (): void => {
    if (opts.report === false) return;
    try {
      writeReport(sweepDir, { generatedAt: new Date().toISOString() });
    } catch (e) {
      log(`[bench] warning: could not write the report: ${(e as Error).message}`);
    }
  };
  const spent: number[] = [];
  const failedWarmStarts = new Set<string>();
  for (let i = 0; i < runs.length; i++) {
    const planned = runs[i]!;
    const dir = runDir(sweepDir, planned.group, planned.slug, planned.seed);
    const head = `[bench] run ${i + 1}/${runs.length}  ${planned.group}  ${planned.label}  seed ${planned.seed}`;
    if (isFinished(dir)) {
      result.skipped++;
      log(`${head}: finished earlier, skipped`);
      continue;
    }
    let run = planned;
    if (planned.warmStart) {
      const ws = warmStartDir(sweepDir, planned.group, planned.seed);
      if (failedWarmStarts.has(ws)) {
        log(`${head}: skipped, its warm start failed`);
        continue;
      }
      try {
        await ensureWarmStart(planned, ws, trainer, opts, log);
      } catch (e) {
        if (opts.signal?.aborted) throw e;
        result.failed.push({ run: planned, dir: ws, error: (e as Error).message });
        failedWarmStarts.add(ws);
        if (!opts.keepGoing) throw e;
        log((e as Error).message);
        continue;
      }
      run = { ...planned, overrides: [...planned.overrides, `model.path=${join(ws, 'model')}`, 'sft.steps=0'] };
    }
    mkdirSync(dir, { recursive: true });
    checkRunPlan(dir, run);
    writeFileSync(join(dir, RUN_PLAN_FILE), JSON.stringify(run, null, 2) + '\n');
    const resume = hasStarted(dir);
    if (resume) result.resumed++;
    else result.fresh++;
    const remaining = runs.slice(i).filter((r) => !isFinished(runDir(sweepDir, r.group, r.slug, r.seed))).length;
    const eta = spent.length ? `, about ${fmtDuration((spent.reduce((a, b) => a + b, 0) / spent.length) * remaining)} left for ${remaining} runs` : '';
    log(`${head}: ${resume ? 'resuming' : 'starting'} (${run.steps} steps${eta})`);
    const t0 = performance.now();
    const code = await runTrainer(trainer, trainArgs(run, dir, resume), join(dir, TRAIN_LOG), opts);
    const secs = (performance.now() - t0) / 1000;
    let error: string | null = null;
    if (code !== 0) error = `the trainer exited with code ${code}`;
    else if (!isFinished(dir)) error = 'the trainer exited with code 0 but wrote no done.json';
    if (error) {
      const msg = `${head}: FAILED: ${error} (log: ${join(dir, TRAIN_LOG)})\n${tail(join(dir, TRAIN_LOG), 15)}`;
      result.failed.push({ run, dir, error });
      writeReportSafely();
      if (!opts.keepGoing) throw new Error(msg);
      log(msg);
      continue;
    }
    spent.push(secs);
    const s = summarizeRun(loadRun(dir, run));
    const best = s.bestStep === null ? 'no validation logged' : `best val/pass@1 ${s.pass1!.toFixed(3)} at step ${s.bestStep}`;
    log(`${head}: finished in ${fmtDuration(secs)}; ${best}`);
    writeReportSafely();
  }
  writeReportSafely();
  log(
    `[bench] ${runs.length} runs: ${result.fresh} started, ${result.resumed} resumed, ${result.skipped} already finished, ${result.failed.length} failed; ` +
      `report: ${join(sweepDir, 'report.md')} and report.html`,
  );
  return result;
}
