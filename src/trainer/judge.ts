// The trainer's view of the one judging path (src/reward/score.ts): options from the run config.
import type { TrainConfig } from '../config/schema.js';
import type { Problem } from '../data/index.js';
import { scoreCompletions, type ScoreResult } from '../reward/index.js';
import type { SandboxProvider } from '../../sandbox/contract.js';

/** Scores `completions[i]` against `problems[i]`; throws SandboxUnavailableError when the sandbox keeps failing. */
export function judgeAll(
  sandbox: SandboxProvider,
  completions: string[],
  problems: Problem[],
  cfg: Pick<TrainConfig, 'reward' | 'sandbox'>,
  log: (msg: string) => void,
): Promise<ScoreResult[]> {
  return scoreCompletions(
    completions.map((completion, i) => ({ completion, tests: problems[i]!.tests, dataSource: problems[i]!.dataSource })),
    sandbox,
    {
      mode: cfg.reward.mode,
      compare: cfg.reward.compare,
      timeoutS: cfg.reward.timeout_s,
      memoryMB: cfg.reward.memory_mb,
      retries: cfg.sandbox.retries,
      retryDelayS: cfg.sandbox.retry_delay_s,
      retryForS: cfg.sandbox.retry_for_s,
      onRetry: (msg, attempt) => log(`sandbox (${sandbox.name}) failed: ${msg}; retry ${attempt}/${cfg.sandbox.retries}`),
      concurrency: cfg.sandbox.concurrency,
      dedupe: cfg.reward.judge_duplicates_once,
    },
  );
}
