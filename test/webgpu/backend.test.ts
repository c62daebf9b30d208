// The webgpu backend's report, how `auto` treats a CPU adapter, and the failure without any Vulkan driver.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { formatAdapter, probeWebgpu } from '../../src/backend/webgpu.js';
import { READ_SYNC_MESSAGE } from '../../src/backend/webgpu_readsync.js';
import { webgpuAvailability } from './harness.js';

const avail = await webgpuAvailability();
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

let fixture: Promise<string> | undefined;

/** Bundle the fixture's TS sources (packages stay external) into node_modules/.cache so plain node can run it. */
function fixtureScript(): Promise<string> {
  fixture ??= (async () => {
    const { build } = await import('esbuild');
    const outfile = path.join(root, 'node_modules', '.cache', 'rl-webgpu-test', 'select_backend.mjs');
    await build({ entryPoints: [path.join(here, 'fixtures', 'select_backend.ts')], bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'error' });
    return outfile;
  })();
  return fixture;
}

/** Select a backend in a fresh node process with extra environment; returns its one-line JSON report. */
async function selectInChild(name: string, env: Record<string, string>, skip: string[] = []): Promise<{ ok: boolean; name?: string; reason?: string; error?: string }> {
  const { stdout } = await promisify(execFile)(process.execPath, [await fixtureScript(), name, skip.join(',')], {
    cwd: root,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`fixture printed no JSON: ${stdout}`);
  return JSON.parse(line);
}

describe('webgpu without a Vulkan driver', () => {
  it('--backend webgpu fails saying why and what to install', async () => {
    const r = await selectInChild('webgpu', { VK_ICD_FILENAMES: '/nonexistent/vulkan_icd.json', VK_DRIVER_FILES: '/nonexistent/vulkan_icd.json' });
    expect(r.ok).toBe(false);
    // (without libvulkan1 at all, the loader is what is missing — also a clear answer)
    expect(r.error).toMatch(/webgpu backend unavailable: (no Vulkan driver found|the Vulkan loader \(libvulkan\.so\.1\) is not installed)/);
    expect(r.error).toMatch(/mesa-vulkan-drivers from bookworm-backports/);
    expect(r.error).toMatch(/NVIDIA driver's Vulkan ICD/);
    expect(r.error).toMatch(/Available: .*wasm.*cpu/);
  }, 90_000);

  it('an ICD that yields no adapter is reported as such, with what to install', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-icd-'));
    const icd = path.join(dir, 'broken_icd.json');
    writeFileSync(icd, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: path.join(dir, 'libvulkan_missing.so'), api_version: '1.3.0' } }));
    try {
      const r = await selectInChild('webgpu', { VK_ICD_FILENAMES: icd, VK_DRIVER_FILES: icd });
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/no usable Vulkan adapter although ICDs are present \(broken_icd\.json\)|Vulkan loader \(libvulkan\.so\.1\) is not installed/);
      expect(r.error).toMatch(/mesa-vulkan-drivers from bookworm-backports/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('auto falls back past webgpu and says why', async () => {
    // Without tensorflow in the order: once it is set up, auto takes it and never looks at webgpu.
    const r = await selectInChild('auto', { VK_ICD_FILENAMES: '/nonexistent/vulkan_icd.json', VK_DRIVER_FILES: '/nonexistent/vulkan_icd.json' }, ['tensorflow']);
    expect(r.ok).toBe(true);
    expect(r.name).not.toBe('webgpu');
    expect(r.reason).toMatch(/webgpu unavailable: (no Vulkan driver found|the Vulkan loader)/);
  }, 90_000);
});

describe.skipIf(!avail.ok)('webgpu adapter report and selection', () => {
  it('reports vendor, architecture, device, description and whether it is a CPU fallback', async () => {
    const p = await probeWebgpu({ allowCpuAdapter: true });
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    for (const k of ['vendor', 'architecture', 'device', 'description', 'adapter', 'package']) expect(typeof p.detail[k]).toBe('string');
    expect(typeof p.detail.cpuFallback).toBe('boolean');
    expect(String(p.detail.package)).toMatch(/tfjs-backend-webgpu on webgpu@\d/);
    const r = avail.report!;
    // lavapipe / llvmpipe / SwiftShader must be recognised as CPU adapters.
    if (/llvmpipe|lavapipe|swiftshader/i.test(`${r.device} ${r.description}`)) expect(r.cpuFallback).toBe(true);
    expect(formatAdapter(r)).toContain(r.cpuFallback ? '[CPU fallback]' : r.description || r.device);
  });

  it('auto uses webgpu only on a real GPU adapter', async () => {
    const p = await probeWebgpu({ allowCpuAdapter: false });
    if (avail.report!.cpuFallback) {
      expect(p.ok).toBe(false);
      if (!p.ok) expect(p.why).toMatch(/only a CPU adapter was found .*--backend webgpu/);
      const c = await selectBackend('auto', { skip: ['tensorflow'] });
      expect(c.name).not.toBe('webgpu');
      expect(c.reason).toMatch(/webgpu unavailable: only a CPU adapter/);
    } else {
      expect(p.ok).toBe(true);
    }
  });

  it('--backend webgpu runs on the adapter, computes, and explains synchronous reads', async () => {
    const c = await selectBackend('webgpu');
    expect(c.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(c.detail.cpuFallback).toBe(avail.report!.cpuFallback);
    // The one log line names the adapter and says whether it is a CPU fallback.
    expect(c.reason).toBe(`webgpu (requested): ${formatAdapter(avail.report!)}`);
    expect(c.reason.includes('[CPU fallback]')).toBe(avail.report!.cpuFallback);
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await y.data())).toEqual([11]);
    // JS-made tensors stay readable synchronously after upload (input validation); GPU results are not.
    const ids = tf.tensor1d([3, 1, 2], 'int32');
    const sum = tf.add(ids, ids);
    expect(Array.from(ids.dataSync())).toEqual([3, 1, 2]);
    // (big enough that tfjs does not forward the op to its CPU path)
    const onGpu = tf.exp(tf.linspace(0, 1, 4096));
    expect(() => onGpu.dataSync()).toThrow(READ_SYNC_MESSAGE);
    expect((await onGpu.data())[4095]).toBeCloseTo(Math.E, 5);
    onGpu.dispose();
    expect(Array.from(await sum.data())).toEqual([6, 2, 4]);
    tf.dispose([y, ids, sum]);
  });
});
