// The tensorflow backend's replacements of tfjs-node's own kernels (kernels/tensorflow/constant_operands.ts:
// kept operand handles; small_matmul.ts: products of ≤ 16 rows on Eigen) against tfjs-node's kernels, on
// KV-cache decode steps of bench/model.ts's ~11M-parameter Qwen2 shape at 4, 16 and 64 rows.
// A decode step is ~40 ms and this 2-core machine's load moves it by ±15%, so the two variants alternate in
// short rounds (10 steps each) and the ratio is the median of the paired per-round ratios; the row also says
// in how many rounds the replacements were faster. Ratio = tfjs-node's time ÷ ours (higher is better).
// Needs `rl setup tensorflow`; without it the bench returns one row saying so.
// Script: node dist/bench/tf_kernels.js [--quick]
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { installKernelReplacements, restoreKernelReplacements } from '../kernels/tensorflow/index.js';
import { selectBackend } from '../src/backend/select.js';
import { createTransformer } from '../src/model/init.js';
import { trainBenchConfig } from './model.js';
import type { BenchRow } from './types.js';

const BENCH = 'tf_kernels';
const PROMPT = 16;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export async function run(opts: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const quick = opts.quick ?? false;
  const choice = await selectBackend('auto');
  if (choice.name !== 'tensorflow') {
    return [{ bench: BENCH, metric: 'decode step: kernel replacements vs tfjs-node', value: NaN, unit: 'ms/step', note: `skipped: the backend is ${choice.name} (run: rl setup tensorflow)` }];
  }
  const cfg = trainBenchConfig();
  const model = createTransformer(cfg, { seed: 1, std: 0.05 });
  const rounds = quick ? 3 : 30, steps = quick ? 3 : 10;
  const out: BenchRow[] = [];
  try {
    for (const rows of quick ? [4] : [4, 16, 64]) {
      const ids = tf.tensor2d(Array.from({ length: rows * PROMPT }, (_, i) => (i * 37 + 11) % cfg.vocabSize), [rows, PROMPT], 'int32');
      const mask = tf.ones([rows, PROMPT]) as tf.Tensor2D;
      const next = tf.zeros([rows, 1], 'int32') as tf.Tensor2D;
      /** ms per decode step over `steps` steps after a fresh prefill (the cache grows the same way each time). */
      const time = (): number => {
        const { logits, cache } = model.prefill(ids, mask, PROMPT + steps + 2);
        logits.dispose();
        model.decodeStep(next, cache).dispose(); // warm-up
        const t = performance.now();
        for (let i = 0; i < steps; i++) {
          const l = model.decodeStep(next, cache);
          l.dataSync();
          l.dispose();
        }
        const ms = (performance.now() - t) / steps;
        cache.dispose();
        return ms;
      };
      const ours: number[] = [], theirs: number[] = [];
      try {
        for (let r = 0; r < rounds; r++) {
          restoreKernelReplacements();
          theirs.push(time());
          installKernelReplacements();
          ours.push(time());
        }
      } finally {
        installKernelReplacements();
        tf.dispose([ids, mask, next]);
      }
      const paired = theirs.map((t, i) => t / ours[i]!);
      out.push({
        bench: BENCH, metric: `decode step, ${rows} rows: kernel replacements vs tfjs-node's own kernels`, value: median(ours), unit: 'ms/step',
        baseline: median(theirs), ratio: median(paired),
        note: `${choice.reason}; ${rounds} paired rounds of ${steps} steps; ratio = median of per-round tfjs-node ÷ ours; faster in ${paired.filter((p) => p > 1).length} of ${rounds}`,
      });
    }
  } finally {
    model.dispose();
  }
  return out;
}

async function main(): Promise<void> {
  for (const r of await run({ quick: process.argv.includes('--quick') })) {
    const extra = r.ratio !== undefined ? `  (baseline ${r.baseline?.toFixed(2)}, ratio ${r.ratio.toFixed(3)})` : '';
    console.log(`${r.metric}: ${r.value.toFixed(2)} ${r.unit}${extra}  — ${r.note}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
  });
}
