// tfjs-backend-wasm 4.22's Slice copies its WHOLE input out of the heap (backend.readSync) before taking
// the slice, so a slice costs O(input): B·H slices of one [B, H, L, d] tensor are quadratic in B, and the
// chunk slices of the log-prob op quadratic in tokens. This replacement reads a view of the heap instead
// (O(output)), with the same results; Unpack and SplitV (which call the same slice) are replaced too.
// Strings keep the original kernels.
import * as tf from '@tensorflow/tfjs';
import { replaceKernel } from '../replace_kernel.js';
import type { WasmBackendLike } from './heap.js';


/** Slice of a wasm tensor reading a heap view (O(output)). */
function fastSlice(backend: WasmBackendLike, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  // Views only after makeOutput: allocating may grow (and detach) the heap.
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const n = size.reduce((a, c) => a * c, 1);
  if (n === 0) return out;
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const off = tf.slice_util.computeFlatOffset(begin, strides);
    ov.set(xv.subarray(off, off + n));
    return out;
  }
  // Strided copy: contiguous runs along the last axis, an odometer over the others.
  const rank = size.length;
  const run = size[rank - 1]!;
  const idx = new Array<number>(rank - 1).fill(0);
  for (let o = 0; o < n; o += run) {
    let off = begin[rank - 1]!;
    for (let a = 0; a < rank - 1; a++) off += (begin[a]! + idx[a]!) * strides[a]!;
    ov.set(xv.subarray(off, off + run), o);
    for (let a = rank - 2; a >= 0; a--) {
      if (++idx[a]! < size[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** Install Slice, Unpack and SplitV replacements on the wasm backend (idempotent; false when wasm is not loaded). */
export function installWasmSliceFix(): boolean {
  if (!tf.getKernel('Slice', 'wasm') || !tf.getKernel('Unpack', 'wasm') || !tf.getKernel('SplitV', 'wasm')) return false;
  replaceKernel('Slice', 'wasm', (args, orig) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return orig.kernelFunc(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
    return fastSlice(args.backend as unknown as WasmBackendLike, x, b, s);
  });
  replaceKernel('Unpack', 'wasm', (args, orig) => {
    const x = args.inputs.value as tf.TensorInfo;
    if (x.dtype === 'string') return orig.kernelFunc(args);
    let axis = (args.attrs as unknown as { axis: number }).axis;
    if (axis < 0) axis += x.shape.length;
    const outShape = x.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    const size = x.shape.slice();
    size[axis] = 1;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < x.shape[axis]!; i++) {
      begin[axis] = i;
      const o = fastSlice(args.backend as unknown as WasmBackendLike, x, begin, size);
      outs.push({ dataId: o.dataId, dtype: o.dtype, shape: outShape });
    }
    return outs;
  });
  replaceKernel('SplitV', 'wasm', (args, orig) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return orig.kernelFunc(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, $axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    const size = x.shape.slice();
    return sizes.map((sz) => {
      size[$axis] = sz;
      const o = fastSlice(args.backend as unknown as WasmBackendLike, x, begin.slice(), size.slice());
      begin[$axis]! += sz;
      return o;
    });
  });
  return true;
}
