// A whole RL step: `rl train` against TRL's GRPOTrainer on the same machine in one run (issue 16: rl ≥ 1.5× faster).
// Both sides get the SAME Hugging Face model directory, the same 8 prompts (the first 8 demo problems, 4
// stdin/stdout tests each), n = 8 completions per prompt, max response length 128, one optimizer step per
// 8 prompts × 8 completions, temperature 1, no KL/reference model, and a subprocess reward:
//  - rl: `node bin/rl.js train --sandbox local` (each submission judged by a python3 harness subprocess running
//    every test case in its own subprocess; 4 submissions at a time), `--backend tensorflow` when set up (else the
//    auto backend, named in the row). Seconds per step = metrics.jsonl `timing_s/step`, median of the steps after
//    the first (warm-up); the `timing_s/*` medians say where it goes.
//  - TRL: bench/trl_peer.py (GRPOTrainer, CPU torch, 2 threads, no vLLM, offline), reward = each completion's
//    fenced code run against the same tests in python3 subprocesses (one per case, 4 completions at a time).
//    Seconds per step = on_step_begin → on_step_end of each optimizer step, median after the first.
// The model is an ~9.6M-parameter Qwen2 shape (hidden 384, 6 layers, 6/2 heads, the tiny byte-level tokenizer)
// warm-started with `rl sft` on the 8 problems' correct solutions (40 steps), so that completions contain
// ```python fences and the reward really runs code on both sides (a random model writes no fence, and verl's
// extraction then scores 0 without running anything). The warm-started directory is cached under
// runs/bench-rl-step/ and reused.
// Ratio = TRL s/step ÷ rl s/step (higher is better for rl; goal ≥ 1.5). The peer side is skipped with a row saying
// so when the peers' Python cannot import trl.
// Script: node dist/bench/rl_step.js [--quick]   (--quick: 2 steps, n = 2, max length 32: the wiring, not a result)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { installedAddon, rlRoot, tfPaths } from '../src/backend/tensorflow_paths.js';
import { writeTinyQwen2Checkpoint } from '../src/model/tiny_checkpoint.js';
import type { BenchRow } from './types.js';

const BENCH = 'rl_step';
const MODEL = { seed: 1, hiddenSize: 384, intermediateSize: 1024, numLayers: 6, numHeads: 6, numKvHeads: 2 } as const;
const MODEL_NAME = '9.6M-param Qwen2 dir';
const SFT = { steps: 40, batch_size: 16, lr: 0.003 } as const;

interface TrlResult { step_s: number[]; gen_s: number[]; reward_s: number[]; lengths: number[]; torch: string; trl: string; threads: number; params: number }

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function peersPython(): { python: string } | { why: string } {
  const py = process.env.RL_PEERS_PYTHON ?? path.join(rlRoot(), '.venv-peers', 'bin', 'python');
  if (!existsSync(py)) return { why: `${py} not found (bash .ci/python.sh)` };
  const r = spawnSync(py, ['-c', 'import torch, transformers, datasets, accelerate, trl'], { encoding: 'utf8' });
  return r.status === 0 ? { python: py } : { why: `${py} cannot import trl (or torch/transformers/datasets/accelerate)` };
}

/** Runs a command, its output copied to stderr with a prefix; rejects on a non-zero exit. Returns stdout. */
function runLogged(cmd: string, args: string[], tag: string, env: NodeJS.ProcessEnv = process.env): Promise<{ out: string; all: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let all = '';
    let tail = '';
    const relay = (d: Buffer, keep: boolean) => {
      const s = d.toString();
      if (keep) out += s;
      all += s;
      tail = (tail + s).slice(-4000);
      for (const l of s.split('\n')) if (l.trim() && !/^I0000|^WARNING: All log|Warning|warn\(/.test(l)) console.error(`[${tag}] ${l}`);
    };
    child.stdout.on('data', (d: Buffer) => relay(d, true));
    child.stderr.on('data', (d: Buffer) => relay(d, false));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done({ out, all }) : fail(new Error(`${tag} exited ${code}: ${tail.trim().split('\n').slice(-3).join(' / ')}`))));
  });
}

/** The warm-started model directory (built once, then reused) and the 8-prompt data file. */
async function prepare(root: string, backend: string[]): Promise<{ model: string; data: string; built: boolean }> {
  const key = `h${MODEL.hiddenSize}-l${MODEL.numLayers}-s${MODEL.seed}-sft${SFT.steps}`;
  const dir = path.join(root, 'runs', 'bench-rl-step', key);
  const data = path.join(dir, 'data.jsonl');
  const model = path.join(dir, 'sft', 'model');
  if (existsSync(path.join(dir, 'ready.json')) && existsSync(path.join(model, 'model.safetensors'))) return { model, data, built: false };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const lines = readFileSync(path.join(root, 'src', 'data', 'demo', 'train.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
  writeFileSync(data, lines.slice(0, 8).join('\n') + '\n');
  writeTinyQwen2Checkpoint(path.join(dir, 'init'), MODEL);
  await runLogged(process.execPath, [path.join(root, 'bin', 'rl.js'), 'sft', '--model', path.join(dir, 'init'), '--data', data, ...backend,
    '--out', path.join(dir, 'sft'), `sft.steps=${SFT.steps}`, `sft.batch_size=${SFT.batch_size}`, `sft.lr=${SFT.lr}`, 'sft.mix=correct'], 'rl sft');
  writeFileSync(path.join(dir, 'ready.json'), JSON.stringify({ model: MODEL, sft: SFT }) + '\n');
  return { model, data, built: true };
}

export async function run(opts: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const quick = opts.quick ?? false;
  const root = rlRoot();
  const tfReady = existsSync(installedAddon(tfPaths('cpu'))) || existsSync(installedAddon(tfPaths('gpu')));
  const backend = tfReady ? ['--backend', 'tensorflow'] : ['--backend', 'auto'];
  const steps = quick ? 2 : 4, n = quick ? 2 : 8, maxLen = quick ? 32 : 128, prompts = 8;
  const prep = await prepare(root, backend);
  const stamp = `${quick ? 'quick' : 'full'}-${process.pid}`;
  const work = path.join(root, 'runs', 'bench-rl-step', stamp);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const load0 = loadavg();

  // rl
  console.error(`[bench rl_step] rl train: ${steps} steps, ${prompts} prompts × n=${n}, max length ${maxLen}`);
  const rlOut = path.join(work, 'rl');
  const rlStdout = await runLogged(process.execPath, [path.join(root, 'bin', 'rl.js'), 'train', '--model', prep.model, '--data', prep.data,
    '--n', String(n), '--max-len', String(maxLen), '--batch-size', String(prompts), '--steps', String(steps), ...backend,
    '--sandbox', 'local', '--estimator', 'grpo', '--lr', '1e-6', '--seed', '1', '--out', rlOut,
    `actor.ppo_mini_batch_size=${prompts}`, 'actor.ppo_epochs=1', 'trainer.save_freq=0', 'rollout.temperature=1.0', 'sandbox.concurrency=4'], 'rl train');
  const metrics = readFileSync(path.join(rlOut, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, number>).filter((m) => m['timing_s/step'] !== undefined);
  const warm = metrics.slice(1);
  const rlStep = median(warm.map((m) => m['timing_s/step']!));
  const keys = [...new Set(warm.flatMap((m) => Object.keys(m).filter((k) => k.startsWith('timing_s/') && k !== 'timing_s/step')))];
  const breakdown = keys.map((k) => `${k.slice('timing_s/'.length)} ${median(warm.map((m) => m[k] ?? 0)).toFixed(2)}`).join(', ');
  const rlLen = median(warm.map((m) => m['response_length/mean']!));
  const rlNoCode = median(warm.map((m) => m['reward/no_code_ratio']!));
  const backendLine = /backend: ([^\n]*)/.exec(rlStdout.all)?.[1]?.trim();
  const load1 = loadavg();

  // TRL
  const py = peersPython();
  let trl: TrlResult | null = null;
  if ('python' in py) {
    console.error(`[bench rl_step] TRL GRPOTrainer: ${steps} steps, ${prompts} prompts × n=${n}, max length ${maxLen}`);
    const { out } = await runLogged(py.python, [path.join(root, 'bench', 'trl_peer.py'), JSON.stringify({
      model: prep.model, data: prep.data, out: path.join(work, 'trl'), n, prompts, max_len: maxLen, steps, threads: 2, concurrency: 4,
    })], 'trl', { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', HF_DATASETS_OFFLINE: '1' });
    const last = out.trim().split('\n').filter((l) => l.startsWith('{"step_s"')).pop();
    if (!last) throw new Error('the TRL peer printed no result line');
    trl = JSON.parse(last) as TrlResult;
  }
  const load2 = loadavg();
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join('/');
  const loads = `load average (1/5/15 min) ${la(load0)} before rl, ${la(load1)} after rl, ${la(load2)} after TRL`;
  const what = `${MODEL_NAME}: whole RL step, ${prompts} prompts × n=${n}, max response ${maxLen}, subprocess reward${quick ? ' (QUICK: wiring only, not a result)' : ''}`;
  const rlNote = `rl ${backend[1]}${backendLine ? ` (${backendLine})` : ''}, sandbox local; median of ${warm.length} steps after the first; ` +
    `timing_s: ${breakdown}; response length ${rlLen.toFixed(1)}, no-code ratio ${rlNoCode.toFixed(2)}`;
  if (!trl) {
    return [{ bench: BENCH, metric: `${what}: rl train`, value: rlStep, unit: 's/step',
      note: `${rlNote}; TRL side skipped: ${(py as { why: string }).why}; ${loads}` }];
  }
  const tw = trl.step_s.slice(1);
  const trlStep = median(tw);
  const trlNote = `TRL ${trl.trl} GRPOTrainer, torch ${trl.torch} CPU ${trl.threads} threads, median of ${tw.length} steps after the first; ` +
    `generate ${median(trl.gen_s.slice(1)).toFixed(2)} s, reward ${median(trl.reward_s.slice(1)).toFixed(2)} s, ` +
    `response length ${median(trl.lengths.slice(1)).toFixed(1)}`;
  return [{ bench: BENCH, metric: `${what}: rl train vs TRL GRPOTrainer (ratio TRL ÷ rl, goal ≥ 1.5)`, value: rlStep, unit: 's/step',
    baseline: trlStep, ratio: trlStep / rlStep, note: `${rlNote}; ${trlNote}; ${loads}` }];
}

async function main(): Promise<void> {
  const rows = await run({ quick: process.argv.includes('--quick') });
  for (const r of rows) {
    const extra = r.ratio !== undefined ? `  (TRL ${r.baseline?.toFixed(2)} s/step, ratio TRL/rl ${r.ratio.toFixed(2)})` : '';
    console.log(`${r.metric}: rl ${r.value.toFixed(2)} ${r.unit}${extra}  — ${r.note}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
  });
}
