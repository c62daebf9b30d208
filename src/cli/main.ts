// Entry point of the `rl` command: dispatches to the subcommands.
import { command as bench } from './bench.js';
import type { CliCommand } from './command.js';
import { command as evalCmd } from './eval.js';
import { command as generate } from './generate.js';
import { command as logprobs } from './logprobs.js';
import { command as sandbox } from './sandbox.js';
import { command as score } from './score.js';
import { command as setup } from './setup.js';
import { command as sft } from './sft.js';
import { command as train } from './train.js';

const commands: CliCommand[] = [train, sft, evalCmd, score, logprobs, generate, sandbox, bench, setup];

function usage(): string {
  const width = Math.max(0, ...commands.map((c) => c.name.length));
  return [
    'usage: rl <command> [options]   (rl <command> --help for its options)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) throw new Error(`unknown command "${name}"\n${usage()}`);
  await cmd.run(rest);
}
