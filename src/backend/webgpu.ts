// The webgpu backend in Node: Dawn (npm `webgpu`, prebuilt dawn.node) provides navigator.gpu, and
// @tensorflow/tfjs-backend-webgpu runs tfjs kernels on it. Dawn reaches GPUs through Vulkan on Linux,
// so what decides success is whether a Vulkan driver (ICD) is installed: the NVIDIA driver's, or
// Mesa's lavapipe (a CPU implementation, used for CI).
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { installWebgpuKernels } from '../../kernels/webgpu/index.js';
import { installReadSyncGuard } from './webgpu_readsync.js';

const require = createRequire(import.meta.url);

/** What the probe found: the adapter tfjs will run on. */
export interface WebgpuAdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** adapter.info.isFallbackAdapter as Dawn reports it. */
  isFallbackAdapter: boolean;
  /** True for a CPU implementation (lavapipe/llvmpipe, SwiftShader, softpipe), by flag or by name. */
  cpuFallback: boolean;
  /** Largest single buffer the device accepts, in bytes (bounds model size per tensor). */
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** Version of the npm `webgpu` package (Dawn build). */
  dawnPackage: string;
}

export type WebgpuProbeResult =
  | { ok: true; detail: Record<string, string | boolean> }
  | { ok: false; why: string };

const INSTALL_HINT =
  'install mesa-vulkan-drivers from bookworm-backports (CPU, Mesa >= 24; see .ci/lavapipe.sh) ' +
  "or the NVIDIA driver's Vulkan ICD (libnvidia-gl / nvidia_icd.json)";

const CPU_ADAPTER_NAME = /llvmpipe|lavapipe|swiftshader|softpipe/i;

interface DawnState {
  gpu: GPU;
  adapter: GPUAdapter | null;
  report?: WebgpuAdapterReport;
}

// A singleton on purpose: one Dawn instance (and the adapter it found) per process — navigator.gpu and tfjs's
// 'webgpu' backend are process-global, and a second instance would probe and pick an adapter again.
let dawn: Promise<DawnState> | undefined;

/** Extra options for Dawn's create(), e.g. RL_WEBGPU_DAWN_FLAGS="backend=vulkan;adapter=<name>" (";"-separated). */
function dawnOptions(): string[] {
  const raw = process.env.RL_WEBGPU_DAWN_FLAGS;
  if (!raw) return [];
  // "enable-dawn-features=a,b" itself contains commas; split on ";" when present.
  return (raw.includes(';') ? raw.split(';') : [raw]).map((s) => s.trim()).filter(Boolean);
}

/** Load Dawn once per process, put the WebGPU globals (GPUBufferUsage, ...) on globalThis and set navigator.gpu. */
async function initDawn(): Promise<DawnState> {
  dawn ??= (async () => {
    const mod = (await import('webgpu')) as { create: (o: string[]) => GPU; globals: object };
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create(dawnOptions());
    const g = globalThis as { navigator?: { gpu?: GPU } };
    if (g.navigator === undefined) {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    } else {
      // Node >= 21 has a navigator object without gpu.
      Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
    }
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return { gpu, adapter };
  })();
  return dawn;
}

function dawnVersion(): string {
  try {
    return `webgpu@${(require('webgpu/package.json') as { version: string }).version}`;
  } catch {
    return 'webgpu';
  }
}

function describe(adapter: GPUAdapter): WebgpuAdapterReport {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const isFallbackAdapter = info.isFallbackAdapter === true || (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const names = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter,
    cpuFallback: isFallbackAdapter || info.architecture === 'software' || CPU_ADAPTER_NAME.test(names),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    dawnPackage: dawnVersion(),
  };
}

/** Vulkan ICD manifests the loader would read, for the "no adapter" explanation. */
function vulkanIcds(): { loader: boolean; icds: string[]; where: string } {
  const loader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].some((p) =>
    existsSync(p),
  );
  const env = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (env) {
    const files = env.split(':').filter(Boolean);
    return { loader, icds: files.filter((f) => existsSync(f)), where: `VK_ICD_FILENAMES/VK_DRIVER_FILES=${env}` };
  }
  const dirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  const icds: string[] = [];
  for (const d of dirs) {
    try {
      for (const f of readdirSync(d)) if (f.endsWith('.json')) icds.push(path.join(d, f));
    } catch {
      /* directory absent */
    }
  }
  return { loader, icds, where: dirs.join(', ') };
}

function noAdapterWhy(): string {
  if (process.platform !== 'linux') return `Dawn found no WebGPU adapter on ${process.platform}; install or update the GPU driver`;
  const v = vulkanIcds();
  if (!v.loader) return `the Vulkan loader (libvulkan.so.1) is not installed: apt-get install libvulkan1, then ${INSTALL_HINT}`;
  if (v.icds.length === 0) return `no Vulkan driver found (no ICD manifest in ${v.where}): ${INSTALL_HINT}`;
  return (
    `Dawn found no usable Vulkan adapter although ICDs are present (${v.icds.map((f) => path.basename(f)).join(', ')}): ` +
    `bookworm's own Mesa 22 lavapipe is too old for Dawn, and in a container the NVIDIA ICD needs ` +
    `NVIDIA_DRIVER_CAPABILITIES to include graphics; ${INSTALL_HINT}`
  );
}

/** Register tfjs's 'webgpu' backend on the adapter we probed (not a second, possibly different one). */
async function registerTfjsBackend(adapter: GPUAdapter): Promise<void> {
  // The package registers its own factory at import when navigator.gpu exists; replace it with ours so the
  // device gets the adapter's full buffer limits and the backend runs on exactly the adapter we report.
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  installReadSyncGuard(WebGPUBackend);
  installWebgpuKernels();
  const existing = tf.findBackendFactory('webgpu') as { rlOwned?: boolean } | null;
  if (existing?.rlOwned) return;
  if (existing !== null) tf.removeBackend('webgpu');
  const factory = async () => {
    const l = adapter.limits;
    const requiredFeatures: GPUFeatureName[] = [];
    if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        // Fewer passes for many-input ops (AddN, Concat split their inputs by this limit).
        maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      },
    });
    void device.lost.then((info) => {
      if (info.reason !== 'destroyed') console.error(`[webgpu] device lost: ${info.reason} ${info.message}`);
    });
    return new WebGPUBackend(device, adapter.info);
  };
  (factory as { rlOwned?: boolean }).rlOwned = true;
  tf.registerBackend('webgpu', factory, 3);
}

/**
 * Probe for webgpu: load Dawn, request a high-performance adapter, register the tfjs backend on it.
 * A CPU adapter (lavapipe, SwiftShader) counts only when allowCpuAdapter (the user named webgpu explicitly).
 */
export async function probeWebgpu(opts: { allowCpuAdapter: boolean }): Promise<WebgpuProbeResult> {
  let state: DawnState;
  try {
    state = await initDawn();
  } catch (e) {
    return { ok: false, why: `the npm package webgpu (Dawn) failed to load (${firstLine(e)}); reinstall it with npm ci` };
  }
  if (!state.adapter) return { ok: false, why: noAdapterWhy() };
  state.report ??= describe(state.adapter);
  const r = state.report;
  if (r.cpuFallback && !opts.allowCpuAdapter) {
    return {
      ok: false,
      why: `only a CPU adapter was found (${r.description || r.device}); pass --backend webgpu to use it anyway, or install the GPU's Vulkan driver`,
    };
  }
  try {
    await registerTfjsBackend(state.adapter);
  } catch (e) {
    return { ok: false, why: `@tensorflow/tfjs-backend-webgpu failed to load (${firstLine(e)})` };
  }
  return { ok: true, detail: reportDetail(r) };
}

function reportDetail(r: WebgpuAdapterReport): Record<string, string | boolean> {
  return {
    summary: formatAdapter(r),
    package: `@tensorflow/tfjs-backend-webgpu on ${r.dawnPackage}`,
    adapter: r.description || r.device,
    vendor: r.vendor,
    architecture: r.architecture,
    device: r.device,
    description: r.description,
    isFallbackAdapter: r.isFallbackAdapter,
    cpuFallback: r.cpuFallback,
    maxBufferSize: String(r.maxBufferSize),
  };
}

/** The adapter report without registering or switching anything; null when there is no adapter. */
export async function webgpuAdapterReport(): Promise<WebgpuAdapterReport | null> {
  const state = await initDawn();
  if (!state.adapter) return null;
  state.report ??= describe(state.adapter);
  return state.report;
}

/** One line for logs: "webgpu on NVIDIA H200 (nvidia, hopper)" or "... [CPU fallback]". */
export function formatAdapter(r: WebgpuAdapterReport): string {
  const arch = [r.vendor, r.architecture].filter(Boolean).join(', ');
  return `webgpu on ${r.description || r.device}${arch ? ` (${arch})` : ''}${r.cpuFallback ? ' [CPU fallback]' : ''}`;
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0]!;
}
