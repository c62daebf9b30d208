// `rl eval --model DIR --data FILE --n K`: pass@1..K (unbiased estimator) of a model on a dataset.
import { z } from 'zod';
import { BACKEND_NAMES, selectBackend } from '../backend/select.js';
import { loadProblems } from '../data/index.js';
import { createSandboxProvider, SANDBOX_PROVIDERS } from '../../sandbox/providers.js';
import { validateConfig } from '../config/load.js';
import { loadModelDir } from '../trainer/policy_factory.js';
import { evaluatePassAtK } from '../trainer/validate.js';
import type { CliCommand } from './command.js';
import { parseSchemaArgs, schemaHelp } from './schema_options.js';

const evalOptionsSchema = z.strictObject({
  model: z.string({ error: 'is required' }).describe('model directory (Hugging Face layout)'),
  data: z.string({ error: 'is required' }).describe('problems (JSONL or verl-style parquet)'),
  n: z.number().int().min(1).default(1).describe('samples per problem (pass@1..n)'),
  temperature: z.number().min(0).optional().describe('sampling temperature (default: 1 when n > 1, else 0 = greedy)'),
  'max-len': z.number().int().min(1).default(256).describe('max new tokens per response'),
  limit: z.number().int().min(0).default(0).describe('evaluate the first P problems (0 = all)'),
  backend: z.enum(BACKEND_NAMES).default('auto').describe('tfjs backend'),
  sandbox: z.enum(SANDBOX_PROVIDERS).default('auto').describe('where the code runs'),
  'sandbox-url': z.string().optional().describe('SandboxFusion-compatible base URL (--sandbox remote)'),
  seed: z.number().int().min(0).default(1).describe('sampling seed'),
  timeout: z.number().min(0.1).default(5).describe('per-test-case limit in seconds'),
  json: z.boolean().default(false).describe('print one JSON line instead of the table'),
});

const USAGE = `usage: rl eval --model DIR --data FILE [options]
Samples K responses per problem and prints pass@1..K (unbiased), as rl train's validation does.

${schemaHelp(evalOptionsSchema)}`;

export const command: CliCommand = {
  name: 'eval',
  summary: 'pass@1..k of a model on a dataset',
  async run(argv) {
    const opts = parseSchemaArgs(evalOptionsSchema, argv, USAGE);
    if (opts === null) return void console.log(USAGE);
    console.error(`backend: ${(await selectBackend(opts.backend)).reason}`);
    const bundle = await loadModelDir(opts.model);
    let { problems, skipped, warnings } = await loadProblems(opts.data, { onBadRow: 'skip' });
    for (const w of warnings) console.error(`warning: ${w}`);
    for (const s of skipped) console.error(`skipped ${s.reason}`);
    if (opts.limit > 0) problems = problems.slice(0, opts.limit);
    const { n } = opts;
    const sandbox = await createSandboxProvider({ provider: opts.sandbox, url: opts['sandbox-url'], timeoutS: opts.timeout });
    try {
      const r = await evaluatePassAtK(
        bundle,
        problems,
        sandbox,
        { n, temperature: opts.temperature ?? (n > 1 ? 1 : 0), maxNewTokens: opts['max-len'], maxPromptLength: Number.MAX_SAFE_INTEGER, seed: opts.seed },
        validateConfig({ reward: { timeout_s: opts.timeout } }),
        (m) => console.error(m),
      );
      if (opts.json) console.log(JSON.stringify({ problems: problems.length, n, pass_at: r.passAt, mean_score: r.meanScore }));
      else {
        console.log(`${problems.length} problems, ${n} samples each`);
        r.passAt.forEach((p, k) => console.log(`pass@${k + 1}: ${p.toFixed(4)}`));
      }
    } finally {
      await sandbox.close();
      await bundle.dispose();
    }
  },
};
