// AddN on webgpu for many inputs. tfjs-backend-webgpu 4.22 binds every input of AddN to one shader, so summing
// more tensors than the device's storage-buffer limit (8 per stage on lavapipe and Dawn's default) fails
// pipeline validation — e.g. a global gradient norm over all of a model's parameters (found by running
// `rl train --backend webgpu`). Here inputs are summed in groups that fit, then the partial sums.
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/** Inputs per AddN program: one storage binding is the output. */
function groupSize(backend: WebGPUBackend): number {
  const limit = (backend as unknown as { device: GPUDevice }).device.limits.maxStorageBuffersPerShaderStage;
  return Math.max(2, Math.min(limit, 16) - 1);
}

export function installAddNFix(): void {
  const existing = tf.getKernel('AddN', 'webgpu') as (tf.KernelConfig & { rlFixed?: boolean }) | undefined;
  if (!existing || existing.rlFixed) return;
  const original = existing.kernelFunc;
  // AddN's `inputs` is an array of tensors (not a name → tensor map).
  const kernelFunc = (args: { inputs: tf.TensorInfo[]; backend: WebGPUBackend; attrs?: tf.NamedAttrMap }) => {
    const { backend } = args;
    let level = Array.from(args.inputs);
    const k = groupSize(backend);
    if (level.length <= k) return original(args as never) as tf.TensorInfo;
    const owned: tf.TensorInfo[] = [];
    while (level.length > k) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < level.length; i += k) {
        const group = level.slice(i, i + k);
        if (group.length === 1) {
          next.push(group[0]!);
          continue;
        }
        const s = original({ ...args, inputs: group } as never) as tf.TensorInfo;
        owned.push(s);
        next.push(s);
      }
      level = next;
    }
    const out = original({ ...args, inputs: level } as never) as tf.TensorInfo;
    for (const t of owned) backend.disposeData(t.dataId);
    return out;
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ kernelName: 'AddN', backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc, rlFixed: true } as tf.KernelConfig);
}
