// `rl bench perf`: runs every compiled throughput bench (dist/bench/*.js exporting run(): Promise<BenchRow[]>),
// each in its own process (tfjs backends are process-global and a crash must not take the others down),
// and prints one table of the ratios they measured side by side.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow } from '../../bench/types.js';
import { packageRoot } from './runner.js';

/** The benches the project's issues add, in the order the table lists them; others found in the folder follow. */
export const KNOWN_BENCHES = ['advantages', 'sandbox', 'model', 'decode', 'webgpu', 'tensorflow', 'tf_kernels', 'spawn', 'rl_step'] as const;

export interface PerfOptions {
  /** Folder of compiled benches (default <package>/dist/bench). */
  benchDir?: string;
  /** Run only these benches (names without .js). */
  only?: string[];
  /** Per-bench time limit in seconds (default 900). */
  timeoutS?: number;
  log?: (line: string) => void;
  /** Copy each bench's own output to stderr. */
  verbose?: boolean;
}

export interface PerfOutcome {
  bench: string;
  status: 'ok' | 'missing' | 'failed';
  rows: BenchRow[];
  note?: string;
  seconds: number;
}

const ROWS_MARK = '@@rl-bench-rows@@';
const ERROR_MARK = '@@rl-bench-error@@';

export function defaultBenchDir(): string {
  return join(packageRoot(), 'dist', 'bench');
}

/** Bench names to run: the known ones, then any other compiled module in the folder (not types.js). */
export function benchNames(benchDir: string, only?: string[]): string[] {
  if (only?.length) return only;
  const found = existsSync(benchDir)
    ? readdirSync(benchDir)
        .filter((f) => f.endsWith('.js') && f !== 'types.js')
        .map((f) => f.slice(0, -3))
    : [];
  return [...KNOWN_BENCHES, ...found.filter((f) => !(KNOWN_BENCHES as readonly string[]).includes(f)).sort()];
}

function validRows(x: unknown, bench: string): BenchRow[] {
  if (!Array.isArray(x)) throw new Error(`${bench}: run() did not return an array`);
  return x.map((r, i) => {
    const row = r as BenchRow;
    if (typeof row?.metric !== 'string' || typeof row.value !== 'number' || typeof row.unit !== 'string') {
      throw new Error(`${bench}: row ${i} is not a BenchRow {bench, metric, value, unit, baseline?, ratio?, note?}`);
    }
    return { ...row, bench: typeof row.bench === 'string' ? row.bench : bench };
  });
}

function runOne(file: string, bench: string, opts: PerfOptions): Promise<PerfOutcome> {
  const t0 = performance.now();
  const script =
    `try {` +
    `const m = await import(${JSON.stringify(pathToFileURL(file).href)});` +
    `if (typeof m.run !== 'function') { console.error('no exported run() function'); process.exit(3); }` +
    `const rows = await m.run();` +
    `process.stdout.write('\\n${ROWS_MARK}' + JSON.stringify(rows) + '\\n');` +
    `} catch (e) {` +
    `process.stdout.write('\\n${ERROR_MARK}' + JSON.stringify(String(e && e.message ? e.message : e)) + '\\n');` +
    `process.exit(1);` +
    `}` +
    // Benches may leave pools or sockets open: the rows are out, so end the process.
    `process.exit(0);`;
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (opts.verbose) process.stderr.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (opts.verbose) process.stderr.write(d);
    });
    const limit = (opts.timeoutS ?? 900) * 1000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limit);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      const fail = (note: string): void => done({ bench, status: 'failed', rows: [], note, seconds });
      if (timedOut) return fail(`timed out after ${limit / 1000}s`);
      const line = out.split('\n').find((l) => l.startsWith(ROWS_MARK));
      const thrown = out.split('\n').find((l) => l.startsWith(ERROR_MARK));
      if (thrown) return fail(`threw: ${JSON.parse(thrown.slice(ERROR_MARK.length)) as string}`);
      if (code !== 0 || !line) {
        const lastErr = err.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
        return fail(`exit code ${code}${lastErr ? `: ${lastErr}` : ''}`);
      }
      try {
        done({ bench, status: 'ok', rows: validRows(JSON.parse(line.slice(ROWS_MARK.length)), bench), seconds });
      } catch (e) {
        fail((e as Error).message);
      }
    });
  });
}

export async function runPerf(opts: PerfOptions = {}): Promise<PerfOutcome[]> {
  const dir = resolve(opts.benchDir ?? defaultBenchDir());
  const log = opts.log ?? ((l: string) => console.error(l));
  const outcomes: PerfOutcome[] = [];
  for (const bench of benchNames(dir, opts.only)) {
    const file = join(dir, `${bench}.js`);
    if (!existsSync(file)) {
      const note = `skipped: ${file} not found (not written yet, or run "npm run build")`;
      log(`[perf] ${bench}: ${note}`);
      outcomes.push({ bench, status: 'missing', rows: [], note, seconds: 0 });
      continue;
    }
    log(`[perf] ${bench}: running ${file}`);
    const o = await runOne(file, bench, opts);
    log(`[perf] ${bench}: ${o.status === 'ok' ? `${o.rows.length} rows` : `FAILED (${o.note})`} in ${o.seconds.toFixed(1)}s`);
    outcomes.push(o);
  }
  return outcomes;
}

function num(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(3);
  return Number(x.toPrecision(4)).toString();
}

/** One plain-text table (also valid Markdown) of every row, with the benches that did not run listed as notes. */
export function perfTable(outcomes: PerfOutcome[]): string {
  const header = ['bench', 'metric', 'value', 'unit', 'baseline', 'ratio', 'note'];
  const rows: string[][] = [];
  for (const o of outcomes) {
    if (o.status !== 'ok') {
      rows.push([o.bench, '', '', '', '', '', o.status === 'missing' ? o.note ?? 'missing' : `FAILED: ${o.note ?? ''}`]);
      continue;
    }
    if (o.rows.length === 0) rows.push([o.bench, '', '', '', '', '', 'returned no rows']);
    for (const r of o.rows) {
      const ratio = r.ratio ?? (r.baseline ? r.value / r.baseline : undefined);
      rows.push([r.bench, r.metric, num(r.value), r.unit, num(r.baseline), ratio === undefined ? '' : `${num(ratio)}x`, r.note ?? '']);
    }
  }
  // Escaped pipes keep the table valid Markdown and still read fine in a terminal.
  const clean = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => clean(r[i]!).length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => clean(c).padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
