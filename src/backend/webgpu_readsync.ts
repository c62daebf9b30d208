// Synchronous reads on the webgpu backend in Node.
// tfjs 4.22's WebGPUBackend.readSync needs OffscreenCanvas (absent in Node), and Dawn in Node cannot block on a
// buffer map, so a GPU-computed tensor can only be read with `await tensor.data()`. Two patches:
//  1. Tensors made from JS data keep their CPU copy after upload (tfjs drops it) when small, so code that
//     validates its own inputs with dataSync (token ids, masks) keeps working on webgpu.
//  2. Any other synchronous read fails with an error that says what to do instead, not "OffscreenCanvas is not defined".
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export const READ_SYNC_MESSAGE =
  'webgpu backend: synchronous reads (dataSync, arraySync, bufferSync, tf.print, or moving a tensor to another backend) ' +
  'of GPU-computed tensors are not possible in Node: Dawn cannot block on GPU memory. Use `await tensor.data()` / `await tensor.array()`.';

/** Largest JS-created tensor (elements) whose CPU copy is kept after upload: ids and masks, not weights. */
export const KEEP_CPU_COPY_MAX_ELEMENTS = 1 << 18;

interface TensorData {
  values?: ArrayLike<number> | null;
  dtype: string;
  shape: number[];
}
interface BackendInternals {
  tensorMap: { get(id: object): TensorData | undefined };
}
type Patched<F> = F & { rlPatched?: boolean };

export function installReadSyncGuard(backendClass: typeof WebGPUBackend): void {
  const proto = backendClass.prototype as unknown as {
    readSync: Patched<(this: BackendInternals, dataId: object) => unknown>;
    uploadToGPU: Patched<(this: BackendInternals, dataId: object) => void>;
  };
  if (proto.readSync.rlPatched) return;

  const readSync = proto.readSync;
  const guardedRead: typeof proto.readSync = function (this: BackendInternals, dataId: object) {
    const d = this.tensorMap.get(dataId);
    if (d && (d.values != null || d.dtype === 'string')) return readSync.call(this, dataId);
    throw new Error(READ_SYNC_MESSAGE);
  };
  guardedRead.rlPatched = true;
  proto.readSync = guardedRead;

  const upload = proto.uploadToGPU;
  const keepingUpload: typeof proto.uploadToGPU = function (this: BackendInternals, dataId: object) {
    const d = this.tensorMap.get(dataId);
    const values = d?.values;
    upload.call(this, dataId);
    // Tensors are immutable in tfjs, so the CPU copy stays equal to the GPU buffer for the tensor's lifetime.
    if (d && values != null && d.values == null && values.length <= KEEP_CPU_COPY_MAX_ELEMENTS) d.values = values;
  };
  keepingUpload.rlPatched = true;
  proto.uploadToGPU = keepingUpload;
}
