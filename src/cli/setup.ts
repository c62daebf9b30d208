// `rl setup tensorflow [--gpu]`: builds the native tensorflow backend against the pip TensorFlow wheel
// (src/backend/tensorflow_setup.ts). Extra pip arguments come from RL_PIP_ARGS.
import { z } from 'zod';
import { TF_ACCEPTED } from '../backend/tensorflow_paths.js';
import { setupTensorflow } from '../backend/tensorflow_setup.js';
import type { CliCommand } from './command.js';
import { parseSchemaArgs, schemaHelp } from './schema_options.js';

const setupTensorflowSchema = z.strictObject({
  gpu: z.boolean().default(false).describe('the CUDA build: pip tensorflow[and-cuda] and @tensorflow/tfjs-node-gpu (NVIDIA, Linux)'),
  force: z.boolean().default(false).describe('reinstall the wheel and rebuild the addon even when up to date'),
});

const USAGE = `usage: rl setup tensorflow [--gpu] [--force]
Installs TensorFlow ${TF_ACCEPTED.text} (pip tensorflow-cpu, or tensorflow[and-cuda] with --gpu) into .rl/tensorflow/,
builds @tensorflow/tfjs-node(-gpu)'s native addon against it with node-gyp, installs it and checks one op.
Needs python3 with pip, a C++ compiler and make, and Node's C headers. Fast when already done.
Environment: RL_PIP_ARGS (extra pip arguments, e.g. "--index-url file:///opt/pypi/simple --find-links /opt/wheels"),
RL_PYTHON (default python3), RL_NODE_HEADERS (folder above include/node), CXX.

${schemaHelp(setupTensorflowSchema)}`;

/** RL_PIP_ARGS split on whitespace (paths and URLs with spaces are not supported). */
export function pipArgsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.RL_PIP_ARGS ?? '').split(/\s+/).filter(Boolean);
}

export const command: CliCommand = {
  name: 'setup',
  summary: 'set up an optional backend: `rl setup tensorflow [--gpu]` builds tfjs-node against the pip TensorFlow',
  async run(argv) {
    const [what, ...rest] = argv;
    if (!what || what === '--help' || what === '-h') return void console.log(USAGE);
    if (what !== 'tensorflow') throw new Error(`unknown setup target "${what}" (only: tensorflow)\n${USAGE}`);
    const opts = parseSchemaArgs(setupTensorflowSchema, rest, USAGE);
    if (opts === null) return void console.log(USAGE);
    const r = setupTensorflow({ gpu: opts.gpu, force: opts.force, pipArgs: pipArgsFromEnv() });
    const steps = r.did.length ? `ran: ${r.did.join(', ')}` : 'already set up';
    console.log(`tensorflow backend ready: ${r.pkg} on TensorFlow ${r.tfVersion} (${steps}; ${r.seconds.toFixed(1)} s)`);
  },
};
