// Chooses and builds the sandbox provider from config: docker (in-process pool), remote
// (SandboxFusion-compatible URL), local (host subprocess, weak isolation, only when asked for), or auto
// (docker, else a clear error: never a silent host fallback).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DockerSandbox, type DockerSandboxOptions } from './docker-sandbox.js';
import { SandboxRequestError, SandboxUnavailableError } from './contract.js';
import { LocalSandbox } from './local-sandbox.js';
import { RemoteSandbox } from './remote-sandbox.js';
import type { JudgeRequest, RunCodeRequest, SandboxProvider } from './contract.js';

/** Where code runs: sandbox.provider, `--sandbox` / `--provider` of the CLIs. */
export const SANDBOX_PROVIDERS = ['auto', 'docker', 'remote', 'local'] as const;
export type SandboxProviderName = (typeof SANDBOX_PROVIDERS)[number];

export interface SandboxProviderConfig {
  provider: SandboxProviderName;
  /** Base URL of a SandboxFusion-compatible server (remote only). */
  url?: string;
  /** Submissions (docker/local) or HTTP requests (remote) in flight at once. */
  concurrency?: number;
  /** Warm containers kept started (docker only). */
  poolSize?: number;
  /** Default per-case wall-clock limit in seconds when a request gives none. */
  timeoutS?: number;
  /** Default memory limit of a program in MB when a request gives none. */
  memoryMB?: number;
  /** docker/auto: container limits (defaults: POOL_DEFAULTS in pool.ts). */
  pidsLimit?: number;
  cpus?: number;
  /** /tmp tmpfs of a container, MB. */
  tmpfsMB?: number;
  /** /mnt tmpfs of a container, MB. */
  mntTmpfsMB?: number;
  /** docker/auto: build the image when missing (root + debootstrap, ~1-2 min). Default: auto when buildable here, false for docker. */
  buildIfMissing?: boolean;
}

export async function createSandboxProvider(cfg: SandboxProviderConfig): Promise<SandboxProvider> {
  let provider: SandboxProvider;
  switch (cfg.provider) {
    case 'docker':
      provider = await DockerSandbox.create({
        ...dockerOptions(cfg), buildIfMissing: cfg.buildIfMissing ?? false,
      });
      break;
    case 'remote':
      if (!cfg.url) throw new SandboxRequestError('url: the remote sandbox provider needs a url');
      provider = new RemoteSandbox({ url: cfg.url, concurrency: cfg.concurrency });
      break;
    case 'local':
      provider = new LocalSandbox({ concurrency: cfg.concurrency, memoryMB: cfg.memoryMB });
      break;
    case 'auto':
      // Docker or a clear error: generated code runs on the host only when the user asks for `local` (R6).
      try {
        provider = await DockerSandbox.create({
          ...dockerOptions(cfg), buildIfMissing: cfg.buildIfMissing ?? canBuildImage(),
        });
      } catch (err) {
        throw new SandboxUnavailableError(
          `sandbox auto needs Docker: ${(err as Error).message} To run generated code as a host subprocess instead ` +
            '(no network or filesystem isolation), opt in with `--sandbox local` (config sandbox.provider=local; ' +
            '`rl sandbox serve --provider local`).',
          { cause: err },
        );
      }
      break;
    default:
      throw new SandboxRequestError(`provider: expected ${SANDBOX_PROVIDERS.join('|')}, got ${JSON.stringify((cfg as { provider: unknown }).provider)}`);
  }
  return withDefaults(provider, cfg.timeoutS, cfg.memoryMB);
}

function dockerOptions(cfg: SandboxProviderConfig): DockerSandboxOptions {
  const { concurrency, poolSize, memoryMB, pidsLimit, cpus, tmpfsMB, mntTmpfsMB } = cfg;
  return { concurrency, poolSize, memoryMB, pidsLimit, cpus, tmpfsMB, mntTmpfsMB };
}

/** The image can be built here when missing (root + debootstrap). */
function canBuildImage(): boolean {
  return process.getuid?.() === 0 && (existsSync('/usr/sbin/debootstrap') || hasCommand('debootstrap'));
}

function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Fills in the configured per-case timeout and memory limit where a request leaves them out. */
function withDefaults(inner: SandboxProvider, timeoutS?: number, memoryMB?: number): SandboxProvider {
  if (timeoutS === undefined && memoryMB === undefined) return inner;
  return {
    name: inner.name,
    judge: (req: JudgeRequest) => inner.judge({ ...req, timeoutS: req.timeoutS ?? timeoutS, memoryMB: req.memoryMB ?? memoryMB }),
    runCode: (req: RunCodeRequest) =>
      inner.runCode({
        ...req,
        run_timeout: req.run_timeout ?? timeoutS,
        memory_limit_MB: req.memory_limit_MB !== undefined && req.memory_limit_MB > 0 ? req.memory_limit_MB : memoryMB,
      }),
    close: () => inner.close(),
  };
}
