// Entry point of the `rl` command: dispatches to the subcommands.
import type { CliCommand } from './command.js';

const commands: CliCommand[] = [];

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
