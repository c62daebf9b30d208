// Checkpoints: policy (Hugging Face layout), optimizer state, step — written to a temp folder and renamed,
// so a kill during a save never leaves a corrupt latest checkpoint. A file damaged afterwards (cut short by
// hand, a bad disk) is caught at load: every file is checked against the sizes recorded at save and by its
// own structure (safetensors header vs file size, JSON that parses), and the error names the file.
import fs from 'node:fs';
import path from 'node:path';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from '../model/safetensors.js';
import type { AdamW } from './optimizer.js';
import type { PolicyBundle } from './policy_factory.js';

/** Sizes of every file of the checkpoint, written last (before the rename): truncation of any file shows. */
const MANIFEST = 'manifest.json';

export interface LoadedCheckpoint {
  dir: string;
  step: number;
  modelDir: string;
  optimizerStep: number;
  optimizerState: Map<string, Float32Array>;
  /** Wall-clock seconds the run had spent up to this checkpoint (summed over resumes). */
  wallS: number;
}

export function stepName(step: number): string {
  return `step_${String(step).padStart(6, '0')}`;
}

function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else out.push(r);
  }
  return out.sort();
}

function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export async function saveCheckpoint(
  runDir: string,
  step: number,
  s: { bundle: PolicyBundle; optimizer: AdamW; wallS: number; /** checkpoints kept (trainer.max_actor_ckpt_to_keep) */ keep: number },
): Promise<string> {
  const root = path.join(runDir, 'checkpoints');
  const final = path.join(root, stepName(step));
  const tmp = path.join(root, `.tmp_${stepName(step)}_${process.pid}`);
  try {
    fs.mkdirSync(root, { recursive: true });
    // Temp folders of saves a kill interrupted (any pid: one trainer writes a run folder) are never published.
    for (const d of fs.readdirSync(root)) if (d.startsWith('.tmp_')) fs.rmSync(path.join(root, d), { recursive: true, force: true });
    fs.mkdirSync(tmp);
    await s.bundle.save(path.join(tmp, 'model'));
    const state = new Map<string, { data: Float32Array; shape: number[] }>();
    for (const [name, t] of s.optimizer.stateTensors()) state.set(name, { data: (await t.data()) as Float32Array, shape: t.shape });
    writeSafetensors(path.join(tmp, 'optimizer.safetensors'), state);
    fs.writeFileSync(path.join(tmp, 'state.json'), JSON.stringify({ step, optimizer_step: s.optimizer.t, wall_s: s.wallS, saved_at: new Date().toISOString() }) + '\n');
    const sizes = Object.fromEntries(filesUnder(tmp).map((f) => [f, fs.statSync(path.join(tmp, f)).size]));
    fs.writeFileSync(path.join(tmp, MANIFEST), JSON.stringify({ files: sizes }, null, 1) + '\n');
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (isDiskFull(e)) {
      // Nothing of the new checkpoint was published: the pointer still names the previous one, untouched.
      const prev = readPointer(root);
      throw new Error(
        `cannot save the checkpoint of step ${step} in ${runDir}: the disk is full (${(e as Error).message}). ` +
          (prev ? `The previous checkpoint ${prev} is intact; free some space, then continue with --resume --out ${runDir}` : 'No earlier checkpoint exists.'),
      );
    }
    throw e;
  }
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  // The pointer is replaced atomically too: readers see the old or the new checkpoint, never a partial one.
  try {
    fs.writeFileSync(path.join(root, 'latest.tmp'), stepName(step) + '\n');
    fs.renameSync(path.join(root, 'latest.tmp'), path.join(root, 'latest'));
  } catch (e) {
    if (!isDiskFull(e)) throw e;
    fs.rmSync(path.join(root, 'latest.tmp'), { force: true });
    fs.rmSync(final, { recursive: true, force: true }); // unpublished: free its space again
    throw new Error(`cannot save the checkpoint of step ${step} in ${runDir}: the disk is full (${(e as Error).message}) while updating checkpoints/latest, which still names ${readPointer(root) ?? 'nothing'} (intact)`);
  }
  const old = listCheckpoints(root);
  for (const d of old.slice(0, Math.max(0, old.length - s.keep))) fs.rmSync(path.join(root, d), { recursive: true, force: true });
  return final;
}

function readPointer(root: string): string | null {
  const pointer = path.join(root, 'latest');
  return fs.existsSync(pointer) ? fs.readFileSync(pointer, 'utf8').trim() : null;
}

function listCheckpoints(root: string): string[] {
  return fs.existsSync(root) ? fs.readdirSync(root).filter((d) => /^step_\d+$/.test(d)).sort() : [];
}

function readJson(file: string): unknown {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing`);
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}; ${text.length} bytes: truncated?)`);
  }
}

/** A safetensors file whose data section ends exactly where its header says (a cut-short file fails here). */
function checkSafetensors(file: string): void {
  const h = readSafetensorsHeader(file); // header length vs file size, offsets inside the data section
  const size = fs.statSync(file).size;
  const dataEnd = Math.max(0, ...[...h.tensors.values()].map((e) => e.dataOffsets[1]));
  if (h.dataStart + dataEnd !== size) {
    throw new Error(`${file}: size mismatch: the header declares ${h.dataStart + dataEnd} bytes, the file holds ${size}`);
  }
}

/** Check every file of a checkpoint; throws an error naming the first bad file and why. */
export function verifyCheckpoint(dir: string): void {
  if (!fs.existsSync(dir)) throw new Error(`${dir} does not exist`);
  const manifestFile = path.join(dir, MANIFEST);
  // Checkpoints written before the manifest existed are checked by structure alone.
  if (fs.existsSync(manifestFile)) {
    const m = readJson(manifestFile) as { files?: Record<string, number> };
    if (!m.files || typeof m.files !== 'object') throw new Error(`${manifestFile} has no "files" object`);
    for (const [rel, want] of Object.entries(m.files)) {
      const f = path.join(dir, rel);
      if (!fs.existsSync(f)) throw new Error(`${f} is missing (listed in ${MANIFEST})`);
      const got = fs.statSync(f).size;
      if (got !== want) throw new Error(`${f}: size mismatch: ${got} bytes, ${want} when saved (${got < want ? 'truncated' : 'grown'})`);
    }
  }
  const state = readJson(path.join(dir, 'state.json')) as { step?: unknown; optimizer_step?: unknown };
  if (!Number.isInteger(state.step) || !Number.isInteger(state.optimizer_step)) {
    throw new Error(`${path.join(dir, 'state.json')}: no integer "step" and "optimizer_step"`);
  }
  for (const rel of filesUnder(dir)) {
    const f = path.join(dir, rel);
    if (rel.endsWith('.safetensors')) checkSafetensors(f);
    else if (rel.endsWith('.json')) readJson(f);
  }
  if (!fs.existsSync(path.join(dir, 'optimizer.safetensors'))) throw new Error(`${path.join(dir, 'optimizer.safetensors')} is missing`);
  if (!fs.existsSync(path.join(dir, 'model', 'config.json'))) throw new Error(`${path.join(dir, 'model', 'config.json')} is missing`);
}

function loadDir(dir: string): LoadedCheckpoint {
  verifyCheckpoint(dir);
  const state = readJson(path.join(dir, 'state.json')) as { step: number; optimizer_step: number; wall_s?: number };
  const tensors = readSafetensors(path.join(dir, 'optimizer.safetensors'));
  const optimizerState = new Map<string, Float32Array>();
  for (const [k, v] of tensors) optimizerState.set(k, v.data);
  return { dir, step: state.step, modelDir: path.join(dir, 'model'), optimizerStep: state.optimizer_step, optimizerState, wallS: state.wall_s ?? 0 };
}

/** The newest intact checkpoint before `name` (for the advice of a failed resume), or null. */
function previousIntact(root: string, name: string): string | null {
  for (const d of listCheckpoints(root).filter((d) => d < name).reverse()) {
    try {
      verifyCheckpoint(path.join(root, d));
      return d;
    } catch {
      // damaged too: look further back
    }
  }
  return null;
}

export function loadLatestCheckpoint(runDir: string): LoadedCheckpoint | null {
  const root = path.join(runDir, 'checkpoints');
  const name = readPointer(root);
  if (name === null) return null;
  try {
    return loadDir(path.join(root, name));
  } catch (e) {
    // Never fall back silently: the user decides to redo the steps since an earlier checkpoint.
    const prev = previousIntact(root, name);
    throw new Error(
      `the latest checkpoint ${name} of ${runDir} is damaged: ${(e as Error).message}. ` +
        (prev
          ? `The previous intact checkpoint is ${prev}: continue from it with --resume-from ${prev} (the steps after it are redone).`
          : 'No earlier intact checkpoint exists; start again in another --out.'),
    );
  }
}

/** `--resume-from step_N`: that checkpoint of the run (verified); later ones are set aside, since their steps are redone. */
export function loadCheckpointFrom(runDir: string, which: string, log: (msg: string) => void): LoadedCheckpoint {
  const root = path.join(runDir, 'checkpoints');
  const name = stepName(Number(which.replace(/^step_/, '')));
  const have = listCheckpoints(root);
  if (!have.includes(name)) {
    throw new Error(`trainer.resume_from: ${runDir} has no checkpoint ${name} (it has: ${have.length ? have.join(', ') : 'none'})`);
  }
  let ckpt: LoadedCheckpoint;
  try {
    ckpt = loadDir(path.join(root, name));
  } catch (e) {
    throw new Error(`trainer.resume_from: checkpoint ${name} is damaged too: ${(e as Error).message}`);
  }
  const later = have.filter((d) => d > name);
  if (later.length) {
    // Kept, not deleted (a damaged file may be worth a look); out of the way of pruning and of `latest`.
    const aside = path.join(root, `set_aside_${new Date().toISOString().replace(/[:.]/g, '-')}`);
    fs.mkdirSync(aside);
    for (const d of later) fs.renameSync(path.join(root, d), path.join(aside, d));
    log(`resume from ${name}: later checkpoints ${later.join(', ')} moved to ${aside} (delete it when no longer needed)`);
  }
  fs.writeFileSync(path.join(root, 'latest.tmp'), name + '\n');
  fs.renameSync(path.join(root, 'latest.tmp'), path.join(root, 'latest'));
  return ckpt;
}
