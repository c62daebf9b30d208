// Picks and initialises the tfjs backend, and says which one runs and why.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { installedAddon, tfPaths } from './tensorflow_paths.js';
import { tensorflowLoadEnv } from './tensorflow_env.js';
import { withStderrSilenced } from './tensorflow_quiet.js';
import { installTensorflowKernels } from '../../kernels/tensorflow/index.js';
import { installWasmKernelFixes } from '../../kernels/wasm/index.js';

export const BACKEND_NAMES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendChoice {
  /** tfjs backend name now active: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu'. */
  name: Exclude<BackendName, 'auto'>;
  /** One line for logs: what was chosen and why others were not. */
  reason: string;
  /** Extra facts (package used, adapter info, ...). */
  detail: Record<string, string | boolean>;
}

/** Result of probing one backend: ready to use, or why not. */
type Probe = { ok: true; detail: Record<string, string | boolean> } | { ok: false; why: string };

const require = createRequire(import.meta.url);

async function probeTensorflow(): Promise<Probe> {
  const tried: string[] = [];
  for (const variant of ['gpu', 'cpu'] as const) {
    const paths = tfPaths(variant);
    try {
      require.resolve(paths.pkg);
    } catch {
      tried.push(`${paths.pkg} is not installed`);
      continue;
    }
    // An npm install whose libtensorflow download failed leaves the package without its addon: importing it
    // would only throw after printing tfjs's own advice, so it is skipped (and named) here.
    if (!existsSync(installedAddon(paths))) {
      tried.push(`${paths.pkg} has no native addon (run: rl setup tensorflow${variant === 'gpu' ? ' --gpu' : ''})`);
      continue;
    }
    try {
      tensorflowLoadEnv();
      await withStderrSilenced(paths.quietAddon, () => import(paths.pkg)); // registers the 'tensorflow' backend
      const binding = (tf.findBackend('tensorflow') as unknown as { binding?: { TF_Version?: string } } | undefined)?.binding;
      const version = binding?.TF_Version ?? 'unknown';
      return { ok: true, detail: { package: paths.pkg, tfVersion: version, summary: `${paths.pkg} on TensorFlow ${version}` } };
    } catch (e) {
      tried.push(`${paths.pkg} failed to load (${firstLine(e)})`);
    }
  }
  return { ok: false, why: tried.join('; ') };
}

async function probeWasm(): Promise<Probe> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    // Load the .wasm binaries from node_modules: no network.
    wasm.setWasmPaths(dir);
    return { ok: true, detail: { wasmDir: dir } };
  } catch (e) {
    return { ok: false, why: `@tensorflow/tfjs-backend-wasm failed to load (${firstLine(e)})` };
  }
}

/** The webgpu module is loaded lazily: Dawn is only touched when webgpu is probed. */
async function probeWebgpu(opts: { allowCpuAdapter: boolean }): Promise<Probe> {
  return (await import('./webgpu.js')).probeWebgpu(opts);
}

/** A probe's one-line description of what it found (e.g. the webgpu adapter), for the log line. */
function summary(detail: Record<string, string | boolean>): string {
  return typeof detail.summary === 'string' ? `: ${detail.summary}` : '';
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0]!;
}

async function activate(name: Exclude<BackendName, 'auto'>): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs could not initialise the ${name} backend`);
  await tf.ready();
  // Kernel fixes go in with the backend, so no tfjs call on it ever runs the original kernels.
  if (name === 'wasm') installWasmKernelFixes();
  if (name === 'tensorflow') installTensorflowKernels();
  // tfjs's cpu backend prints an "install our node backend" banner on its first tensor in Node; the backend
  // line already says what runs and why, so the banner is marked as shown.
  if (name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}

/**
 * Select a backend by name. 'auto' prefers tensorflow (tfjs-node-gpu, then tfjs-node, once `rl setup tensorflow`
 * has built their addon),
 * then webgpu on a real GPU adapter, then wasm, then cpu.
 * An explicit name that is unavailable throws, listing what is available. `skip` leaves backends out of the
 * auto order (e.g. to see what auto picks without tensorflow).
 */
export async function selectBackend(name: string = 'auto', opts: { skip?: readonly BackendName[] } = {}): Promise<BackendChoice> {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown backend "${name}"; choose one of: ${BACKEND_NAMES.join(', ')}`);
  }
  const probes: Record<Exclude<BackendName, 'auto'>, () => Promise<Probe>> = {
    tensorflow: probeTensorflow,
    // Asked for by name: a CPU adapter (lavapipe, SwiftShader) is allowed; under auto it is not.
    webgpu: () => probeWebgpu({ allowCpuAdapter: name === 'webgpu' }),
    wasm: probeWasm,
    cpu: async () => ({ ok: true, detail: {} }),
  };
  if (name !== 'auto') {
    const key = name as Exclude<BackendName, 'auto'>;
    const p = await probes[key]();
    if (!p.ok) {
      const avail = await availableBackends();
      throw new Error(`${key} backend unavailable: ${p.why}. Available: ${avail.join(', ')}`);
    }
    await activate(key);
    return { name: key, reason: `${key} (requested)${summary(p.detail)}`, detail: p.detail };
  }
  const skipped: string[] = [];
  for (const key of ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const) {
    if (opts.skip?.includes(key)) continue;
    const p = await probes[key]();
    if (!p.ok) {
      skipped.push(`${key} unavailable: ${p.why}`);
      continue;
    }
    try {
      await activate(key);
    } catch (e) {
      skipped.push(`${key} unavailable: ${firstLine(e)}`);
      continue;
    }
    const reason = `${key} (auto)${summary(p.detail)}` + (skipped.length ? `; ${skipped.join('; ')}` : '');
    return { name: key, reason, detail: p.detail };
  }
  throw new Error(`no tfjs backend could start: ${skipped.join('; ')}`);
}

/** Names of backends that can be initialised here (probes only; does not switch). */
export async function availableBackends(): Promise<string[]> {
  const out: string[] = [];
  if ((await probeTensorflow()).ok) out.push('tensorflow');
  if ((await probeWebgpu({ allowCpuAdapter: true })).ok) out.push('webgpu');
  if ((await probeWasm()).ok) out.push('wasm');
  out.push('cpu');
  return out;
}
