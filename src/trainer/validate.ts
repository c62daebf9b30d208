// Held-out validation: val_n samples per problem, pass@k (unbiased) for k = 1..val_n.
import type { TrainConfig } from '../config/schema.js';
import type { Problem } from '../data/index.js';
import type { SandboxProvider } from '../../sandbox/contract.js';
import { passAtK } from '../algos/index.js';
import type { Metrics } from './metrics_log.js';
import type { PolicyBundle } from './policy_factory.js';
import type { Truncation } from '../data/truncation.js';
import { encodePrompts } from './problems.js';
import { judgeAll } from './judge.js';

export async function evaluatePassAtK(
  bundle: PolicyBundle,
  problems: Problem[],
  sandbox: SandboxProvider,
  opts: { n: number; temperature: number; maxNewTokens: number; maxPromptLength: number; truncation?: Truncation; seed: number },
  cfg: Pick<TrainConfig, 'reward' | 'sandbox'>,
  log: (m: string) => void = () => {},
): Promise<{ passAt: number[]; meanScore: number; perProblemCorrect: number[] }> {
  const prompts = encodePrompts(problems, bundle.tokenizer, opts.maxPromptLength, opts.truncation);
  const gen = await bundle.generate(prompts, opts.n, {
    maxNewTokens: opts.maxNewTokens,
    temperature: opts.temperature,
    topP: 1,
    topK: 0,
    stopTokenIds: bundle.stopTokenIds,
    seed: opts.seed,
  });
  const completions = gen.tokens.map((t) => bundle.tokenizer.decode(t, { skipSpecialTokens: true }));
  const judged = await judgeAll(sandbox, completions, problems.flatMap((p) => Array<Problem>(opts.n).fill(p)), cfg, log);
  const correct = problems.map((_, i) => judged.slice(i * opts.n, (i + 1) * opts.n).filter((j) => j.allPassed).length);
  const passAt = Array.from({ length: opts.n }, (_, k) => correct.reduce((a, c) => a + passAtK(opts.n, c, k + 1), 0) / problems.length);
  const meanScore = judged.reduce((a, j) => a + j.score, 0) / judged.length;
  return { passAt, meanScore, perProblemCorrect: correct };
}

export async function validate(bundle: PolicyBundle, problems: Problem[], sandbox: SandboxProvider, cfg: TrainConfig, seed: number): Promise<Metrics> {
  const subset = cfg.trainer.val_max_problems > 0 ? problems.slice(0, cfg.trainer.val_max_problems) : problems;
  const r = await evaluatePassAtK(
    bundle,
    subset,
    sandbox,
    { n: cfg.trainer.val_n, temperature: cfg.trainer.val_temperature, maxNewTokens: cfg.data.max_response_length, maxPromptLength: cfg.data.max_prompt_length, truncation: cfg.data.truncation, seed },
    cfg,
  );
  const m: Metrics = { 'val/score/mean': r.meanScore };
  r.passAt.forEach((p, k) => (m[`val/pass@${k + 1}`] = p));
  return m;
}
