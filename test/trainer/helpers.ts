// Shared helpers for trainer tests: run the compiled CLI, read a run folder.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const RL = path.join(ROOT, 'bin', 'rl.js');

/** A tiny, fast configuration: a 1-layer char model, 2 prompts × 4 samples, short responses, no SFT. */
export const TINY = [
  'model.tiny.hidden_size=16',
  'model.tiny.num_hidden_layers=1',
  'model.tiny.num_attention_heads=2',
  'model.tiny.intermediate_size=32',
  'data.train_batch_size=2',
  'data.max_response_length=12',
  'rollout.n=4',
  'actor.ppo_mini_batch_size=2',
  'actor.optim.lr=0.01',
  // Random text never holds a code block, so every score is 0; the entropy bonus still moves the weights.
  'actor.entropy_coeff=0.01',
  'sft.steps=0',
  'trainer.val_max_problems=2',
  'trainer.val_n=2',
  'trainer.progress=lines',
  'sandbox.provider=local',
];

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rl(args: string[], opts: { timeoutMs?: number } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [RL, ...args], { cwd: ROOT, encoding: 'utf8', timeout: opts.timeoutMs ?? 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** rl() without blocking the test worker (vitest's RPC times out when a worker is blocked for minutes). */
export function rlAwait(args: string[], opts: { timeoutMs: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [RL, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function rlAsync(args: string[]) {
  return spawn(process.execPath, [RL, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function readMetrics(runDir: string): Record<string, number>[] {
  const f = path.join(runDir, 'metrics.jsonl');
  return fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** Metrics without wall-clock fields (those differ between any two runs). */
export function deterministicPart(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => !k.startsWith('timing_s/') && k !== 'perf/throughput'));
}

/**
 * `rl ARGS` in the background with everything it prints collected: `until` resolves once a fragment shows (or a
 * condition holds) and rejects if the run ends first; `closed` resolves with the exit code.
 */
export function rlWatched(args: string[]) {
  const child = rlAsync(args);
  const log = { text: '' };
  let ended = false;
  child.stdout.on('data', (d: Buffer) => (log.text += d));
  child.stderr.on('data', (d: Buffer) => (log.text += d));
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => ((ended = true), resolve(code))));
  const until = async (what: string | (() => boolean), label = String(what)): Promise<void> => {
    const holds = typeof what === 'string' ? () => log.text.includes(what) : what;
    while (!holds()) {
      if (ended) throw new Error(`run ended before ${label}:\n${log.text}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { child, log, closed, until, ended: () => ended };
}
