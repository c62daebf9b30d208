// The Python peers (transformers, torch CPU) that reference tests compare against: `<repo>/.venv-peers/bin/python`
// (made by `bash .ci/python.sh`) or RL_PEERS_PYTHON. Missing: the tests skip with a visible message, except under
// CI=true, where they fail.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const candidate = process.env.RL_PEERS_PYTHON ?? path.join(repo, '.venv-peers', 'bin', 'python');

function probe(): string | undefined {
  if (!fs.existsSync(candidate)) return `${candidate} not found (run \`bash .ci/python.sh\`)`;
  const r = spawnSync(candidate, ['-c', 'import torch, transformers, tokenizers'], { encoding: 'utf8' });
  if (r.status !== 0) return `${candidate} cannot import torch/transformers: ${r.stderr.trim().split('\n').pop()}`;
  return undefined;
}

const why = probe();
if (why && process.env.CI === 'true') throw new Error(`CI=true: Python reference tests cannot be skipped: ${why}`);
if (why) console.warn(`\n*** SKIPPING Python (transformers) reference tests: ${why}\n`);

/** The peers' Python interpreter (pyarrow, torch, transformers). */
export const peersPython = candidate;

/** True when the peers' Python imports torch and transformers. */
export const peersReady = why === undefined;

const peerEnv = () => ({ ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', TOKENIZERS_PARALLELISM: 'false', OMP_NUM_THREADS: '2' });

function withJobFile<R>(job: unknown[], f: (file: string) => R): R {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-peer-'));
  const file = path.join(dir, 'job.json');
  fs.writeFileSync(file, JSON.stringify(job));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const r = f(file);
    if (r instanceof Promise) return r.finally(cleanup) as R;
    cleanup();
    return r;
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** Run test/peers/hf_peer.py MODE on a job (a list of tasks); returns its list of results. */
export function runPeer<T = Record<string, unknown>>(mode: 'make' | 'check' | 'warp', job: unknown[]): T[] {
  return withJobFile(job, (file) => {
    const r = spawnSync(candidate, [path.join(repo, 'test', 'peers', 'hf_peer.py'), mode, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: peerEnv() });
    if (r.status !== 0) throw new Error(`hf_peer.py ${mode} failed (exit ${r.status}):\n${r.stderr.slice(-4000)}`);
    return JSON.parse(r.stdout) as T[];
  });
}

/** runPeer without blocking the test worker (vitest's RPC times out when a worker is blocked for long). */
export function runPeerAsync<T = Record<string, unknown>>(mode: 'make' | 'check' | 'warp', job: unknown[]): Promise<T[]> {
  return withJobFile(job, (file) => new Promise<T[]>((resolve, reject) => {
    const child = spawn(candidate, [path.join(repo, 'test', 'peers', 'hf_peer.py'), mode, file], { env: peerEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`hf_peer.py ${mode} failed (exit ${code}):\n${stderr.slice(-4000)}`));
      else resolve(JSON.parse(stdout) as T[]);
    });
  }));
}
