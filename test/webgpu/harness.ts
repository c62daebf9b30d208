// Shared helpers for the webgpu parity tests: bring the webgpu backend up on whatever adapter exists
// (lavapipe in CI), run the same computation on webgpu and on a reference backend, compare.
import * as tf from '@tensorflow/tfjs';
import { probeWebgpu, webgpuAdapterReport, type WebgpuAdapterReport } from '../../src/backend/webgpu.js';

export interface WebgpuAvailability {
  ok: boolean;
  why?: string;
  report?: WebgpuAdapterReport;
}

let availability: Promise<WebgpuAvailability> | undefined;

/**
 * Probe once per test file. Without an adapter the tests skip with a visible message — except under
 * CI=true, where the missing driver is itself the failure (CI installs lavapipe via .ci/lavapipe.sh).
 */
export function webgpuAvailability(): Promise<WebgpuAvailability> {
  availability ??= (async () => {
    const p = await probeWebgpu({ allowCpuAdapter: true });
    if (!p.ok) {
      if (process.env.CI === 'true') throw new Error(`webgpu tests need a Vulkan adapter in CI (run .ci/lavapipe.sh): ${p.why}`);
      console.warn(`[webgpu tests] SKIPPED: no webgpu adapter here (${p.why})`);
      return { ok: false, why: p.why };
    }
    return { ok: true, report: (await webgpuAdapterReport()) ?? undefined };
  })();
  return availability;
}

/** Top-level await this in a test file: true when webgpu tests can run. */
export async function haveWebgpu(): Promise<boolean> {
  return (await webgpuAvailability()).ok;
}

export async function useBackend(name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!(await tf.setBackend(name))) throw new Error(`could not switch to ${name}`);
  await tf.ready();
}

type Out = tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;

/**
 * Run fn on a backend and read every output back asynchronously (webgpu cannot read synchronously in Node).
 * Inputs must be built inside fn from plain arrays: tensors never cross backends.
 */
export async function runOn(backend: string, fn: () => Out): Promise<Float32Array[]> {
  await useBackend(backend);
  const out = tf.tidy(fn);
  const list = out instanceof tf.Tensor ? [out] : Array.isArray(out) ? out : Object.values(out);
  const data = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(list);
  return data;
}

/** Max |a−b| / (atol + rtol·|b|) over all elements; <= 1 means close. Reports the worst element. */
export function closeness(a: Float32Array, b: Float32Array, atol: number, rtol: number): { ok: boolean; worst: string } {
  if (a.length !== b.length) return { ok: false, worst: `length ${a.length} vs ${b.length}` };
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) !== Number.isNaN(y)) return { ok: false, worst: `NaN mismatch at ${i}: ${x} vs ${y}` };
    if (Number.isNaN(x)) continue;
    if (x === y) continue; // also covers equal infinities
    const r = Math.abs(x - y) / (atol + rtol * Math.abs(y));
    if (!(r <= worst)) {
      worst = r;
      at = i;
    }
  }
  return { ok: worst <= 1, worst: at < 0 ? 'exact' : `index ${at}: ${a[at]} vs ${b[at]} (ratio ${worst.toFixed(3)})` };
}

/** Deterministic pseudo-random floats in [-scale, scale) (mulberry32), so both backends see identical inputs. */
export function randArray(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

export function randInts(n: number, seed: number, max: number): Int32Array {
  return Int32Array.from(randArray(n, seed, 1), (x) => Math.min(max - 1, Math.floor(((x + 1) / 2) * max)));
}
