// Judge all completions of a step at once; retry sandbox failures (not program failures) before failing the step.
import type { TrainConfig } from '../config/schema.js';
import { extractCode } from '../reward/index.js';
import { isRetryableSandboxError } from '../../sandbox/contract.js';
import type { SandboxProvider, TestCase } from '../../sandbox/contract.js';

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
  const codes = completions.map(extractCode);
  const one = async (i: number): Promise<Judged> => {
    const code = codes[i]!;
    if (code === null) return { score: 0, allPassed: false, noCode: true };
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await sandbox.judge({ code, language: 'python', tests: tests[i]!, timeoutS: cfg.reward.timeout_s, memoryMB: cfg.reward.memory_mb });
        const broken = r.cases.find((c) => c.verdict === 'sandbox_error');
        if (broken) throw new Error(`sandbox error: ${broken.message ?? 'no detail'}`);
        const score = cfg.reward.mode === 'all_pass' ? (r.allPassed ? 1 : 0) : r.fraction;
        return { score, allPassed: r.allPassed, noCode: false };
      } catch (e) {
        // A refused request (bad field) will be refused again: fail at once.
        if (!isRetryableSandboxError(e) && !(e as Error).message.startsWith('sandbox error')) throw e;
        if (attempt >= cfg.sandbox.retries) {
          throw new Error(`sandbox (${sandbox.name}) failed ${attempt + 1} times: ${(e as Error).message}`);
        }
        log(`sandbox error (${(e as Error).message}); retry ${attempt + 1}/${cfg.sandbox.retries}`);
        await new Promise((r) => setTimeout(r, cfg.sandbox.retry_delay_s * 1000 * 2 ** attempt));
      }
    }
  };
  // A sharpened policy repeats itself: identical code for the same tests is judged once (first occurrence).
  const firstRow = new Map<TestCase[], Map<string, number>>();
  const firstOf = codes.map((code, i) => {
    if (!cfg.reward.judge_duplicates_once) return i;
    let byCode = firstRow.get(tests[i]!);
    if (!byCode) firstRow.set(tests[i]!, (byCode = new Map()));
    const key = code ?? '\0no code';
    if (!byCode.has(key)) byCode.set(key, i);
    return byCode.get(key)!;
  });
  const unique = firstOf.flatMap((f, i) => (f === i ? [i] : []));
  // Bounded concurrency: the provider has its own pool; this keeps at most `concurrency` requests in flight.
  const out: Judged[] = new Array(completions.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(cfg.sandbox.concurrency, unique.length) }, async () => {
    while (next < unique.length) {
      const i = unique[next++]!;
      out[i] = await one(i);
    }
  });
  await Promise.all(workers);
  return firstOf.map((f) => out[f]!);
}
