// `rl sft`: the supervised warm-start alone; writes the policy (Hugging Face layout) to <out>/model.
import path from 'node:path';
import { selectBackend } from '../backend/select.js';
import { buildPolicy } from '../trainer/policy_factory.js';
import { loadSplits } from '../trainer/problems.js';
import { runSft } from '../trainer/sft.js';
import type { CliCommand } from './command.js';
import { parseTrainArgs, trainUsage } from './train_flags.js';

export const command: CliCommand = {
  name: 'sft',
  summary: 'supervised warm-start on the problems\' bundled solutions (options as rl train; sft.*)',
  async run(argv) {
    const args = parseTrainArgs(argv);
    if (args.help) {
      console.log(trainUsage('sft'));
      return;
    }
    const cfg = args.config;
    if (cfg.sft.steps === 0) throw new Error('sft.steps is 0: nothing to do (e.g. sft.steps=300)');
    console.log(`backend: ${(await selectBackend(cfg.trainer.backend)).reason}`);
    const { train } = await loadSplits(cfg, console.log);
    const bundle = await buildPolicy(cfg, null);
    console.log(`policy: ${bundle.description}`);
    const r = await runSft(bundle, train, cfg.sft, cfg.trainer.seed, console.log);
    const out = path.join(path.resolve(cfg.trainer.out_dir), 'model');
    await bundle.save(out);
    console.log(`sft: loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)} in ${r.seconds.toFixed(1)}s; saved ${out}`);
    await bundle.dispose();
  },
};
