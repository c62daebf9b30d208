// `rl sandbox build | serve | run`: build the image, serve the SandboxFusion-compatible API, run one file.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { buildSandboxImage } from '../../sandbox/image.js';
import { POOL_DEFAULTS } from '../../sandbox/pool.js';
import { DEFAULT_MEMORY_MB } from '../../sandbox/protocol.js';
import { MAX_BODY_BYTES, startSandboxServer } from '../../sandbox/server.js';
import { createSandboxProvider, SANDBOX_PROVIDERS } from '../../sandbox/providers.js';
import type { CliCommand } from './command.js';
import { parseSchemaArgs, parseSchemaArgv, schemaHelp } from './schema_options.js';

const nonNegativeInt = () => z.number().int().min(0);
const provider = () => z.enum(SANDBOX_PROVIDERS).default('auto').describe('where code runs (local: host subprocess, weak isolation)');
const url = () => z.string().optional().describe('SandboxFusion-compatible base URL (--provider remote)');

const buildOptionsSchema = z.strictObject({
  force: z.boolean().default(false).describe('rebuild even when the image is present'),
});

const serveOptionsSchema = z.strictObject({
  port: nonNegativeInt().default(8080).describe('TCP port (0: any free one)'),
  host: z.string().default('127.0.0.1')
    .describe('address to listen on (this machine only by default); listening elsewhere (e.g. 0.0.0.0) is best with --token'),
  provider: provider(),
  url: url(),
  concurrency: nonNegativeInt().optional().describe('submissions run at once (default: the number of CPUs)'),
  'pool-size': nonNegativeInt().optional().describe('docker: warm containers kept started (default: concurrency + 1)'),
  token: z.string().optional().describe('require "Authorization: Bearer T" on POSTs (default: env RL_SANDBOX_TOKEN)'),
  'max-body-mb': nonNegativeInt().default(MAX_BODY_BYTES / 1024 / 1024).describe('request body limit (413 beyond)'),
  'max-queue': nonNegativeInt().default(1024).describe('requests running or waiting (503 + Retry-After beyond; 0: the default)'),
  'memory-mb': z.number().int().positive().optional().describe(`a program's memory limit when a request gives none (default ${DEFAULT_MEMORY_MB})`),
  'pids-limit': z.number().int().positive().default(POOL_DEFAULTS.pidsLimit).describe('docker: processes + threads per container'),
  cpus: z.number().positive().default(POOL_DEFAULTS.cpus).describe('docker: CPUs per container'),
  'tmpfs-mb': z.number().int().positive().default(POOL_DEFAULTS.tmpfsMB).describe('docker: size of the /tmp tmpfs per container'),
  'mnt-tmpfs-mb': z.number().int().positive().default(POOL_DEFAULTS.mntTmpfsMB).describe('docker: size of the /mnt tmpfs per container'),
});

const runOptionsSchema = z.strictObject({
  language: z.string().optional().describe('python, cpp, nodejs, bash, ... (default: from the file extension, else python)'),
  'stdin-file': z.string().optional().describe('file fed to the program on stdin'),
  timeout: z.number().positive().optional().describe('run time limit in seconds'),
  provider: provider(),
  url: url(),
});

const HELP = `usage:
  rl sandbox build [--force]
      build the sandbox image offline (debootstrap + docker import); reuses it when present
${schemaHelp(buildOptionsSchema, '      ')}
  rl sandbox serve [options]
      serve POST /run_code (SandboxFusion), POST /judge, GET /v1/ping
${schemaHelp(serveOptionsSchema, '      ')}
  rl sandbox run FILE [options]
      run one program, print the /run_code response as JSON
${schemaHelp(runOptionsSchema, '      ')}`;

async function build(argv: string[]): Promise<void> {
  const opts = parseSchemaArgs(buildOptionsSchema, argv, HELP);
  if (opts === null) return void console.log(HELP);
  const result = await buildSandboxImage({ force: opts.force });
  console.log(`${result.tag} ${result.built ? 'built' : 'already present'} (${result.seconds.toFixed(1)} s)`);
}

async function serve(argv: string[]): Promise<void> {
  const opts = parseSchemaArgs(serveOptionsSchema, argv, HELP);
  if (opts === null) return void console.log(HELP);
  const token = opts.token ?? (process.env.RL_SANDBOX_TOKEN || undefined);
  const { host } = opts;
  const provider = await createSandboxProvider({
    provider: opts.provider,
    url: opts.url,
    concurrency: opts.concurrency,
    poolSize: opts['pool-size'],
    memoryMB: opts['memory-mb'],
    pidsLimit: opts['pids-limit'],
    cpus: opts.cpus,
    tmpfsMB: opts['tmpfs-mb'],
    mntTmpfsMB: opts['mnt-tmpfs-mb'],
  });
  const server = await startSandboxServer(provider, {
    port: opts.port,
    host,
    token,
    maxBodyBytes: opts['max-body-mb'] * 1024 * 1024,
    maxQueue: opts['max-queue'] || undefined,
  });
  console.log(`sandbox (${provider.name}) listening on ${server.url}${token ? ' (bearer token required)' : ''}`);
  if (!token && !/^(127\.|::1$|localhost$)/.test(host)) {
    console.warn(`[rl sandbox] WARNING: listening on ${host} without --token: anyone who can reach it can run code here`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await provider.close();
}

async function runFile(argv: string[]): Promise<void> {
  const parsed = parseSchemaArgv(runOptionsSchema, argv, HELP);
  if (parsed === null) return void console.log(HELP);
  const { options: opts, positionals } = parsed;
  if (positionals.length !== 1) throw new Error('rl sandbox run: expected exactly one FILE');
  const file = positionals[0]!;
  const code = readFileSync(file, 'utf8');
  const language = opts.language ?? (file.endsWith('.cpp') || file.endsWith('.cc') ? 'cpp' : file.endsWith('.js') ? 'nodejs' : file.endsWith('.sh') ? 'bash' : 'python');
  const provider = await createSandboxProvider({ provider: opts.provider, url: opts.url, concurrency: 1, poolSize: 1 });
  try {
    const res = await provider.runCode({
      code,
      language,
      stdin: opts['stdin-file'] ? readFileSync(opts['stdin-file'], 'utf8') : '',
      run_timeout: opts.timeout,
    });
    console.log(JSON.stringify(res, null, 2));
  } finally {
    await provider.close();
  }
}

export const command: CliCommand = {
  name: 'sandbox',
  summary: 'code-execution sandbox: build the image, serve the SandboxFusion-compatible API, run a file',
  async run(argv: string[]): Promise<void> {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'build':
        return build(rest);
      case 'serve':
        return serve(rest);
      case 'run':
        return runFile(rest);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(HELP);
        return;
      default:
        throw new Error(`unknown sandbox subcommand "${sub}"\n${HELP}`);
    }
  },
};
