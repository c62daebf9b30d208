// Checkpoints: policy (Hugging Face layout), optimizer state, step — written to a temp folder and renamed,
// so a kill during a save never leaves a corrupt latest checkpoint.
import fs from 'node:fs';
import path from 'node:path';
import { readSafetensors, writeSafetensors } from '../model/safetensors.js';
import type { AdamW } from './optimizer.js';
import type { PolicyBundle } from './policy_factory.js';

const KEEP = 3;

export interface LoadedCheckpoint {
  dir: string;
  step: number;
  modelDir: string;
  optimizerStep: number;
  optimizerState: Map<string, Float32Array>;
  /** Wall-clock seconds the run had spent up to this checkpoint (summed over resumes). */
  wallS: number;
}

function stepName(step: number): string {
  return `step_${String(step).padStart(6, '0')}`;
}

export async function saveCheckpoint(runDir: string, step: number, s: { bundle: PolicyBundle; optimizer: AdamW; wallS: number }): Promise<string> {
  const root = path.join(runDir, 'checkpoints');
  fs.mkdirSync(root, { recursive: true });
  const final = path.join(root, stepName(step));
  const tmp = path.join(root, `.tmp_${stepName(step)}_${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  try {
    await s.bundle.save(path.join(tmp, 'model'));
    const state = new Map<string, { data: Float32Array; shape: number[] }>();
    for (const [name, t] of s.optimizer.stateTensors()) state.set(name, { data: (await t.data()) as Float32Array, shape: t.shape });
    writeSafetensors(path.join(tmp, 'optimizer.safetensors'), state);
    fs.writeFileSync(path.join(tmp, 'state.json'), JSON.stringify({ step, optimizer_step: s.optimizer.t, wall_s: s.wallS, saved_at: new Date().toISOString() }) + '\n');
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  // The pointer is replaced atomically too: readers see the old or the new checkpoint, never a partial one.
  fs.writeFileSync(path.join(root, 'latest.tmp'), stepName(step) + '\n');
  fs.renameSync(path.join(root, 'latest.tmp'), path.join(root, 'latest'));
  const old = fs.readdirSync(root).filter((d) => /^step_\d+$/.test(d)).sort();
  for (const d of old.slice(0, Math.max(0, old.length - KEEP))) fs.rmSync(path.join(root, d), { recursive: true, force: true });
  return final;
}

export function loadLatestCheckpoint(runDir: string): LoadedCheckpoint | null {
  const root = path.join(runDir, 'checkpoints');
  const pointer = path.join(root, 'latest');
  if (!fs.existsSync(pointer)) return null;
  const dir = path.join(root, fs.readFileSync(pointer, 'utf8').trim());
  const stateFile = path.join(dir, 'state.json');
  if (!fs.existsSync(stateFile)) throw new Error(`checkpoint ${dir} is incomplete (no state.json)`);
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { step: number; optimizer_step: number; wall_s?: number };
  const tensors = readSafetensors(path.join(dir, 'optimizer.safetensors'));
  const optimizerState = new Map<string, Float32Array>();
  for (const [k, v] of tensors) optimizerState.set(k, v.data);
  return { dir, step: state.step, modelDir: path.join(dir, 'model'), optimizerStep: state.optimizer_step, optimizerState, wallS: state.wall_s ?? 0 };
}
