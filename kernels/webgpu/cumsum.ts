// Replacement for tfjs-backend-webgpu 4.22's Cumsum kernel. Its shader bakes the scanned axis length into
// the WGSL text (`end + pow2 < ${length}`) but not into the pipeline cache key, so a cumsum over a different
// length reuses a stale shader and returns wrong values (found by test/webgpu/ops.test.ts: the gradient of
// cumsum — a reverse cumsum — after a forward cumsum of another length). Here the length is a uniform.
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { bufferDtype, elementwiseProgram, type WebgpuProgram } from './program.js';

/**
 * One Hillis–Steele step (stride 2^step) or the final exclusive shift, along the last axis.
 * `intInput`: x's buffer holds i32 (an int32 tensor, or one that tfjs "cast" to float32 by relabelling only).
 */
function cumsumStep(shape: number[], exclusive: boolean, reverse: boolean, intInput: boolean): WebgpuProgram {
  const cond = exclusive ? (reverse ? 'end != uniforms.len - 1' : 'end != 0') : reverse ? 'end + pow2 < uniforms.len' : 'end >= pow2';
  const shift = exclusive ? (reverse ? 'end + 1' : 'end - 1') : reverse ? 'end + pow2' : 'end - pow2';
  const read = (i: string) => (intInput ? `f32(x[${i}])` : `x[${i}]`);
  const body = `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let end = index % uniforms.len;
        let pow2 = i32(1u << u32(uniforms.step));
        var val = ${exclusive ? '0.0' : read('index')};
        if (${cond}) {
          val = val + ${read(`index - end + ${shift}`)};
        }
        setOutputAtIndex(index, val);
      }
    }`;
  return elementwiseProgram(`rl_cumsum_${exclusive}_${reverse}_${intInput}`, ['x'], shape, body, 'len : i32, step : i32,');
}

interface CumsumArgs {
  inputs: { x: tf.TensorInfo };
  backend: WebGPUBackend;
  attrs: { axis: number; exclusive: boolean; reverse: boolean };
}

function kernel(backend: WebGPUBackend, name: string) {
  const k = tf.getKernel(name, 'webgpu');
  if (!k) throw new Error(`webgpu kernel ${name} is not registered`);
  return (inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}) => k.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

function cumsum({ inputs, backend, attrs }: CumsumArgs): tf.TensorInfo {
  const { x } = inputs;
  const rank = x.shape.length;
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  const perm = tf.backend_util.getAxesPermutation([axis], rank);
  const transpose = kernel(backend, 'Transpose');
  const owned: tf.TensorInfo[] = [];
  let cur = perm ? transpose({ x }, { perm }) : x;
  if (cur !== x) owned.push(cur);
  // The scan runs in f32 (as tfjs's did); the first step converts an i32 buffer.
  let intInput = bufferDtype(backend, cur) !== 'float32';
  const len = x.shape[axis]!;
  const run = (exclusive: boolean, step: number) => {
    const prog = cumsumStep(cur.shape, exclusive, attrs.reverse, intInput);
    const next = backend.runWebGPUProgram(prog as never, [cur], 'float32', [
      { type: 'int32', data: [len] },
      { type: 'int32', data: [step] },
    ] as never);
    owned.push(next);
    cur = next;
    intInput = false;
  };
  // At least one step, so the output is always a fresh f32 buffer (len 1: a copy).
  for (let step = 0; step === 0 || 2 ** step < len; step++) run(false, step);
  if (attrs.exclusive) run(true, 0);
  let out = cur;
  if (x.dtype !== 'float32') out = kernel(backend, 'Cast')({ x: out }, { dtype: x.dtype });
  if (perm) out = transpose({ x: out }, { perm: tf.backend_util.getUndoAxesPermutation(perm) });
  for (const t of owned) if (t !== out) backend.disposeData(t.dataId);
  return out;
}

/** Swap tfjs's Cumsum kernel on webgpu for this one (idempotent). */
export function installCumsumFix(): void {
  const existing = tf.getKernel('Cumsum', 'webgpu') as (tf.KernelConfig & { rlFixed?: boolean }) | undefined;
  if (existing?.rlFixed) return;
  if (existing) tf.unregisterKernel('Cumsum', 'webgpu');
  const config = { kernelName: 'Cumsum', backendName: 'webgpu', kernelFunc: cumsum as unknown as tf.KernelFunc, rlFixed: true };
  tf.registerKernel(config);
}
