// Short flags of `rl train` (what researchers type most) → dotted config keys; everything else is key=value.
import { configHelp } from '../config/help.js';
import { resolveConfig } from '../config/load.js';
import type { TrainConfig } from '../config/schema.js';

export const SHORT_FLAGS: Record<string, string> = {
  '--estimator': 'algorithm.adv_estimator',
  '--n': 'rollout.n',
  '--max-len': 'data.max_response_length',
  '--model': 'model.path',
  '--data': 'data.train_files',
  '--val-data': 'data.val_files',
  '--steps': 'trainer.total_steps',
  '--batch-size': 'data.train_batch_size',
  '--lr': 'actor.optim.lr',
  '--seed': 'trainer.seed',
  '--backend': 'trainer.backend',
  '--sandbox': 'sandbox.provider',
  '--out': 'trainer.out_dir',
};

export interface ParsedTrainArgs {
  config: TrainConfig;
  help: boolean;
  printConfig: boolean;
}

export function trainUsage(cmd: string): string {
  const flags = Object.entries(SHORT_FLAGS).map(([f, k]) => `  ${f.padEnd(13)} = ${k}`).join('\n');
  return [
    `usage: rl ${cmd} [--config FILE.yaml] [flags] [key=value ...] [--resume | --resume-from step_N] [--print-config]`,
    '',
    'Options come from the YAML file, then the flags, then dotted overrides (verl style),',
    'e.g. `algorithm.adv_estimator=rloo actor.clip_ratio_high=0.28`.',
    '',
    'short flags:',
    flags,
    '  --resume      = trainer.resume=true',
    '  --resume-from = trainer.resume_from (a checkpoint of --out, e.g. step_000002)',
    '',
    'all options (key, meaning, [type, default]):',
    configHelp(),
  ].join('\n');
}

export function parseTrainArgs(argv: string[]): ParsedTrainArgs {
  let file: string | undefined;
  const overrides: string[] = [];
  let help = false, printConfig = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--help' || flag === '-h') help = true;
    else if (flag === '--print-config') printConfig = true;
    else if (flag === '--resume') overrides.push('trainer.resume=true');
    // Quoted so step numbers stay strings; the schema validates the name.
    else if (flag === '--resume-from') overrides.push(`trainer.resume_from=${JSON.stringify(value())}`);
    else if (flag === '--config') file = value();
    else if (flag in SHORT_FLAGS) {
      const v = value();
      // Paths stay strings even when they look like numbers or null.
      const isPath = ['model.path', 'data.train_files', 'data.val_files', 'trainer.out_dir'].includes(SHORT_FLAGS[flag]!);
      overrides.push(`${SHORT_FLAGS[flag]}=${isPath && v !== 'null' ? JSON.stringify(v) : v}`);
    } else if (a.startsWith('-')) throw new Error(`unknown flag ${flag}; known: --config, ${Object.keys(SHORT_FLAGS).join(', ')}, --resume, --resume-from, --print-config, --help`);
    else overrides.push(a);
  }
  if (help) return { config: undefined as unknown as TrainConfig, help, printConfig };
  return { config: resolveConfig({ file, overrides }), help, printConfig };
}
