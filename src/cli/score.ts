// `rl score --data FILE --completions FILE.jsonl`: scores other systems' (or our own) generations with the
// judging path the trainer uses. stdout: one JSONL row per completion, in input order; stderr: progress and a summary.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { loadProblems, type Problem } from '../data/index.js';
import { computeScore, REWARD_MODES, type ScoreResult } from '../reward/index.js';
import { COMPARE_MODES } from '../../sandbox/compare.js';
import { createSandboxProvider, SANDBOX_PROVIDERS } from '../../sandbox/providers.js';
import type { CliCommand } from './command.js';
import { parseSchemaArgs, schemaHelp } from './schema_options.js';

const scoreOptionsSchema = z.strictObject({
  data: z.string({ error: 'is required' }).describe('problems: verl parquet/JSONL rows, LiveCodeBench, MBPP, HumanEval or our own rows'),
  completions: z.string({ error: 'is required' }).describe('JSONL of {"index", "completion"}'),
  mode: z.enum(REWARD_MODES).default('auto')
    .describe('auto: verl for data_source codecontests|apps|codeforces|taco (as verl routes them), else all_pass'),
  compare: z.enum(COMPARE_MODES).default('exact').describe("exact: verl's comparison; lenient: SandboxFusion's dataset judges"),
  sandbox: z.enum(SANDBOX_PROVIDERS).default('auto').describe('where the code runs'),
  url: z.string().optional().describe('SandboxFusion-compatible base URL (--sandbox remote)'),
  timeout: z.number().positive().default(10).describe("per-case limit in seconds (verl's default)"),
  'memory-mb': z.number().int().positive().default(1024).describe("memory limit per program (verl's default)"),
  concurrency: z.number().int().positive().default(8).describe('completions judged at once'),
  retries: z.number().int().min(0).default(3).describe('retries of a sandbox failure before giving up'),
});

const USAGE = `usage: rl score --data FILE(.parquet|.jsonl) --completions FILE.jsonl [options]
Scores each {"index": <0-based row of the data file>, "completion": "<model text>"} line; one JSON line per
completion on stdout, a summary on stderr.

${schemaHelp(scoreOptionsSchema)}`;

const completionRow = z.strictObject({ index: z.number().int().min(0), completion: z.string() });

export const command: CliCommand = {
  name: 'score',
  summary: 'score completions against a dataset exactly as training does (verl-compatible)',
  async run(argv) {
    const opts = parseSchemaArgs(scoreOptionsSchema, argv, USAGE);
    if (opts === null) return void console.log(USAGE);
    if (opts.sandbox === 'remote' && !opts.url) throw new Error('--url is required with --sandbox remote');
    const { problems, warnings } = await loadProblems(opts.data, { onBadRow: 'fail' });
    for (const w of warnings) console.error(`warning: ${w}`);
    const rows = await readCompletions(opts.completions, problems.length);
    const started = Date.now();
    const sandbox = await createSandboxProvider({ provider: opts.sandbox, url: opts.url, concurrency: opts.concurrency });
    const counts = new Map<string, number>();
    let total = 0;
    try {
      const results: Array<ScoreResult | undefined> = new Array(rows.length);
      let printed = 0;
      let next = 0;
      const flush = () => {
        while (printed < rows.length && results[printed]) {
          const r = results[printed]!;
          const p = problems[rows[printed]!.index]!;
          process.stdout.write(JSON.stringify(outputRow(rows[printed]!.index, p, r)) + '\n');
          results[printed++] = undefined; // keep memory flat on big files
        }
      };
      await Promise.all(Array.from({ length: Math.min(opts.concurrency, rows.length) }, async () => {
        while (next < rows.length) {
          const i = next++;
          const p = problems[rows[i]!.index]!;
          const r = await computeScore({ completion: rows[i]!.completion, tests: p.tests, dataSource: p.dataSource }, sandbox, {
            mode: opts.mode, compare: opts.compare, timeoutS: opts.timeout, memoryMB: opts['memory-mb'], retries: opts.retries,
            onRetry: (m, a) => console.error(`completion ${i}: sandbox failed (${m}); retry ${a}/${opts.retries}`),
          });
          total += r.score;
          for (const c of r.noCode ? [{ verdict: 'no_code' }] : r.cases) counts.set(c.verdict, (counts.get(c.verdict) ?? 0) + 1);
          results[i] = r;
          flush();
          if ((i + 1) % 100 === 0) console.error(`scored ${i + 1}/${rows.length}`);
        }
      }));
      const seconds = (Date.now() - started) / 1000;
      const verdicts = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ');
      console.error(`${rows.length} completions: mean score ${(rows.length ? total / rows.length : 0).toFixed(4)}; cases: ${verdicts || 'none'}; ${seconds.toFixed(1)} s`);
    } finally {
      await sandbox.close();
    }
  },
};

function outputRow(index: number, p: Problem, r: ScoreResult) {
  return {
    index,
    data_source: p.dataSource,
    score: r.score,
    mode: r.mode,
    cases: r.cases.map((c) => ({ verdict: c.verdict, code: c.code, time_s: Number(c.timeS.toFixed(4)), ...(c.message ? { message: c.message } : {}) })),
    ...(r.allPassed && !r.noCode ? {} : { reason: r.reason }),
  };
}

async function readCompletions(file: string, nProblems: number): Promise<Array<z.infer<typeof completionRow>>> {
  const out: Array<z.infer<typeof completionRow>> = [];
  let line = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const text of lines) {
      line++;
      if (!text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new Error(`${file} line ${line}: not valid JSON (${(err as Error).message})`);
      }
      const parsed = completionRow.safeParse(value);
      if (!parsed.success) throw new Error(`${file} line ${line}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`).join('; ')}`);
      if (parsed.data.index >= nProblems) throw new Error(`${file} line ${line}: index ${parsed.data.index} is past the last data row (${nProblems - 1})`);
      out.push(parsed.data);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`completions file not found: ${file}`);
    throw err;
  }
  return out;
}
