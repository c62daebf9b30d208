// Judge all completions of a step at once; retry sandbox failures (not program failures) before failing the step.
import type { TrainConfig } from '../config/schema.js';
import { extractCode } from '../reward/index.js';
import type { SandboxProvider, TestCase } from '../reward/types.js';

export interface Judged {
  score: number;
  allPassed: boolean;
  noCode: boolean;
}

export async function judgeAll(
  sandbox: SandboxProvider,
  completions: string[],
  tests: TestCase[][],
  cfg: Pick<TrainConfig, 'reward' | 'sandbox'>,
  log: (msg: string) => void,
): Promise<Judged[]> {
  const one = async (i: number): Promise<Judged> => {
    const code = extractCode(completions[i]!);
    if (code === null) return { score: 0, allPassed: false, noCode: true };
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await sandbox.judge({ code, language: 'python', tests: tests[i]!, timeoutS: cfg.reward.timeout_s, memoryMB: cfg.reward.memory_mb });
        if (r.cases.some((c) => c.verdict === 'sandbox_error')) throw new Error(r.cases.find((c) => c.verdict === 'sandbox_error')!.message ?? 'sandbox error');
        const score = cfg.reward.mode === 'all_pass' ? (r.allPassed ? 1 : 0) : r.fraction;
        return { score, allPassed: r.allPassed, noCode: false };
      } catch (e) {
        if (attempt >= cfg.sandbox.retries) {
          throw new Error(`sandbox (${sandbox.name}) failed ${attempt + 1} times: ${(e as Error).message}`);
        }
        log(`sandbox error (${(e as Error).message}); retry ${attempt + 1}/${cfg.sandbox.retries}`);
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  };
  // Bounded concurrency: the provider has its own pool; this keeps at most `concurrency` requests in flight.
  const out: Judged[] = new Array(completions.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(cfg.sandbox.concurrency, completions.length) }, async () => {
    while (next < completions.length) {
      const i = next++;
      out[i] = await one(i);
    }
  });
  await Promise.all(workers);
  return out;
}
