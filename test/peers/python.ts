// The Python peers (transformers, torch CPU) that reference tests compare against: `<repo>/.venv-peers/bin/python`
// (made by `bash .ci/python.sh`) or RL_PEERS_PYTHON. Missing: the tests skip with a visible message, except under
// CI=true, where they fail.
import { spawnSync } from 'node:child_process';
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

/** Run test/peers/hf_peer.py MODE on a job (a list of tasks); returns its list of results. */
export function runPeer<T = Record<string, unknown>>(mode: 'make' | 'check', job: unknown[]): T[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-peer-'));
  try {
    const file = path.join(dir, 'job.json');
    fs.writeFileSync(file, JSON.stringify(job));
    const r = spawnSync(candidate, [path.join(repo, 'test', 'peers', 'hf_peer.py'), mode, file], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', TOKENIZERS_PARALLELISM: 'false', OMP_NUM_THREADS: '2' },
    });
    if (r.status !== 0) throw new Error(`hf_peer.py ${mode} failed (exit ${r.status}):\n${r.stderr.slice(-4000)}`);
    return JSON.parse(r.stdout) as T[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
