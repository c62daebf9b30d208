// `rl sandbox build | serve | run`: build the image, serve the SandboxFusion-compatible API, run one file.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildSandboxImage } from '../../sandbox/image.js';
import { startSandboxServer } from '../../sandbox/server.js';
import { createSandboxProvider, type SandboxProviderConfig } from '../../sandbox/providers.js';
import type { CliCommand } from './command.js';

const HELP = `usage:
  rl sandbox build [--force]                 build the sandbox image offline (debootstrap + docker import); reuses it when present
  rl sandbox serve [--port N] [--host H]     serve POST /run_code (SandboxFusion), POST /judge, GET /v1/ping
        [--provider auto|docker|local] [--concurrency N] [--pool-size N]
        [--token T] [--max-body-mb N] [--max-queue N]
        --host: default 127.0.0.1 (this machine only); listening elsewhere needs an explicit --host (e.g. 0.0.0.0),
        best with --token (or env RL_SANDBOX_TOKEN): then POSTs need "Authorization: Bearer T".
        --max-body-mb: request body limit (default 16; 413 beyond). --max-queue: requests running or waiting
        (default 1024; 503 + Retry-After beyond).
  rl sandbox run FILE [--language L] [--stdin-file F] [--timeout S] [--provider P]
                                             run one program, print the /run_code response as JSON`;

function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a non-negative integer, got "${value}"`);
  return n;
}

function providerOption(value: string | undefined): SandboxProviderConfig['provider'] {
  const p = value ?? 'auto';
  if (p !== 'auto' && p !== 'docker' && p !== 'local' && p !== 'remote') {
    throw new Error(`--provider: expected auto|docker|local|remote, got "${p}"`);
  }
  return p;
}

async function build(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { force: { type: 'boolean' } } });
  const result = await buildSandboxImage({ force: values.force });
  console.log(`${result.tag} ${result.built ? 'built' : 'already present'} (${result.seconds.toFixed(1)} s)`);
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      provider: { type: 'string' },
      url: { type: 'string' },
      concurrency: { type: 'string' },
      'pool-size': { type: 'string' },
      token: { type: 'string' },
      'max-body-mb': { type: 'string' },
      'max-queue': { type: 'string' },
    },
  });
  const token = values.token ?? (process.env.RL_SANDBOX_TOKEN || undefined);
  const host = values.host ?? '127.0.0.1';
  const maxBodyMB = intOption(values['max-body-mb'], 'max-body-mb');
  const maxQueue = intOption(values['max-queue'], 'max-queue');
  const provider = await createSandboxProvider({
    provider: providerOption(values.provider),
    url: values.url,
    concurrency: intOption(values.concurrency, 'concurrency'),
    poolSize: intOption(values['pool-size'], 'pool-size'),
  });
  const server = await startSandboxServer(provider, {
    port: intOption(values.port, 'port') ?? 8080,
    host,
    token,
    maxBodyBytes: maxBodyMB === undefined ? undefined : maxBodyMB * 1024 * 1024,
    maxQueue: maxQueue === 0 ? undefined : maxQueue,
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
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      language: { type: 'string' },
      'stdin-file': { type: 'string' },
      timeout: { type: 'string' },
      provider: { type: 'string' },
      url: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new Error('rl sandbox run: expected exactly one FILE');
  const file = positionals[0];
  const code = readFileSync(file, 'utf8');
  const language = values.language ?? (file.endsWith('.cpp') || file.endsWith('.cc') ? 'cpp' : file.endsWith('.js') ? 'nodejs' : file.endsWith('.sh') ? 'bash' : 'python');
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new Error(`--timeout: expected seconds > 0, got "${values.timeout}"`);
  const provider = await createSandboxProvider({ provider: providerOption(values.provider), url: values.url, concurrency: 1, poolSize: 1 });
  try {
    const res = await provider.runCode({
      code,
      language,
      stdin: values['stdin-file'] ? readFileSync(values['stdin-file'], 'utf8') : '',
      run_timeout: timeout,
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
