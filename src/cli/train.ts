// `rl train`: resolve and validate the config, then run the RL loop.
import { train } from '../trainer/train.js';
import type { CliCommand } from './command.js';
import { parseTrainArgs, trainUsage } from './train_flags.js';

export const command: CliCommand = {
  name: 'train',
  summary: 'RL-train a policy on code problems with sandbox rewards',
  async run(argv) {
    const args = parseTrainArgs(argv);
    if (args.help) {
      console.log(trainUsage('train'));
      return;
    }
    if (args.printConfig) {
      console.log(JSON.stringify(args.config, null, 2));
      return;
    }
    const s = await train(args.config);
    const b = s.valBefore?.['val/pass@1'];
    const a = s.valAfter?.['val/pass@1'];
    if (b !== undefined && a !== undefined) {
      const d = a - b;
      console.log(`held-out pass@1: ${b.toFixed(3)} → ${a.toFixed(3)} (${d >= 0 ? '+' : ''}${d.toFixed(3)})`);
    }
    if (s.interrupted) {
      console.log(`interrupted at step ${s.steps} (checkpoint saved); continue with --resume --out ${s.runDir}`);
      process.exitCode = 130;
    } else console.log(`run folder: ${s.runDir}`);
  },
};
