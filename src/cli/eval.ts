// `rl eval --model DIR --data FILE --n K`: pass@1..K (unbiased estimator) of a model on a dataset.
import { parseArgs } from 'node:util';
import { selectBackend } from '../backend/select.js';
import { loadProblems } from '../data/index.js';
import { createSandboxProvider } from '../../sandbox/providers.js';
import { validateConfig } from '../config/load.js';
import { loadModelDir } from '../trainer/policy_factory.js';
import { evaluatePassAtK } from '../trainer/validate.js';
import type { CliCommand } from './command.js';

const USAGE = `usage: rl eval --model DIR --data FILE [--n K] [--temperature T] [--max-len L] [--limit P]
               [--backend auto|tensorflow|webgpu|wasm|cpu] [--sandbox auto|docker|remote|local] [--sandbox-url URL]
               [--seed S] [--timeout S] [--json]
Samples K responses per problem and prints pass@1..K (unbiased), as rl train's validation does.`;

function num(name: string, v: string | undefined, def: number, min: number): number {
  if (v === undefined) return def;
  const x = Number(v);
  if (!Number.isFinite(x) || x < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${v}"`);
  return x;
}

export const command: CliCommand = {
  name: 'eval',
  summary: 'pass@1..k of a model on a dataset',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' }, data: { type: 'string' }, n: { type: 'string' }, temperature: { type: 'string' },
        'max-len': { type: 'string' }, limit: { type: 'string' }, backend: { type: 'string' }, sandbox: { type: 'string' },
        'sandbox-url': { type: 'string' }, seed: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) return void console.log(USAGE);
    if (!values.model) throw new Error(`--model is required\n${USAGE}`);
    if (!values.data) throw new Error(`--data is required\n${USAGE}`);
    const n = num('n', values.n, 1, 1);
    const sandboxName = values.sandbox ?? 'auto';
    if (!['auto', 'docker', 'remote', 'local'].includes(sandboxName)) throw new Error(`--sandbox must be auto, docker, remote or local`);
    console.error(`backend: ${(await selectBackend(values.backend ?? 'auto')).reason}`);
    const bundle = await loadModelDir(values.model);
    let { problems, skipped, warnings } = await loadProblems(values.data, { onBadRow: 'skip' });
    for (const w of warnings) console.error(`warning: ${w}`);
    for (const s of skipped) console.error(`skipped ${s.reason}`);
    const limit = num('limit', values.limit, 0, 0);
    if (limit > 0) problems = problems.slice(0, limit);
    const timeoutS = num('timeout', values.timeout, 5, 0.1);
    const sandbox = await createSandboxProvider({ provider: sandboxName as 'auto', url: values['sandbox-url'], timeoutS });
    try {
      const r = await evaluatePassAtK(
        bundle,
        problems,
        sandbox,
        { n, temperature: num('temperature', values.temperature, n > 1 ? 1 : 0, 0), maxNewTokens: num('max-len', values['max-len'], 256, 1), maxPromptLength: Number.MAX_SAFE_INTEGER, seed: num('seed', values.seed, 1, 0) },
        validateConfig({ reward: { timeout_s: timeoutS } }),
        (m) => console.error(m),
      );
      if (values.json) console.log(JSON.stringify({ problems: problems.length, n, pass_at: r.passAt, mean_score: r.meanScore }));
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
