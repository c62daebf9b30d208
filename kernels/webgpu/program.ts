// Minimal glue for running our own WGSL compute programs through tfjs-backend-webgpu's program runner.
// The backend generates the shader prelude (bindings: `result`, one array per variableName, `uniforms` with
// each input's shape/strides, outShape, `size` and our own uniform fields) and calls `main(index)`.
// Every value baked into a shader's text must be part of its shaderKey: the pipeline cache is keyed by it
// (tfjs's own Cumsum forgot this; see cumsum.ts).
import * as tf from '@tensorflow/tfjs';
import { webgpu_util, type WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export interface WebgpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Extra uniform fields, WGSL struct syntax: "rows : i32, cols : i32,". */
  uniforms?: string;
  /** Adds `uniforms.size` (number of output elements). */
  size?: boolean;
  getUserCode(): string;
}

export type UniformValue = { type: 'int32' | 'float32' | 'uint32'; data: number[] };

/** One invocation per output element: `fn main(index: i32)` with `uniforms.size`. */
export function elementwiseProgram(key: string, variableNames: string[], outputShape: number[], body: string, uniforms = ''): WebgpuProgram {
  const workgroupSize: [number, number, number] = [64, 1, 1];
  const dispatchLayout = webgpu_util.flatDispatchLayout(outputShape);
  return {
    variableNames,
    outputShape,
    shaderKey: key,
    dispatchLayout,
    dispatch: webgpu_util.computeDispatch(dispatchLayout, outputShape, workgroupSize) as [number, number, number],
    workgroupSize,
    size: true,
    uniforms,
    getUserCode: () => body,
  };
}

/**
 * One workgroup of `threads` invocations per row (for reductions along the last axis).
 * The body gets `row` and `lane` (0..threads-1); `fn main(index: i32)` is generated. `row` may exceed the
 * row count when tfjs reshapes a large dispatch: the body must not write then, but must still reach every
 * workgroupBarrier (barriers need uniform control flow, so no early return). `preamble` holds module-scope
 * declarations (var<workgroup>, helper fns).
 */
export function rowProgram(
  key: string,
  variableNames: string[],
  outputShape: number[],
  rows: number,
  threads: number,
  body: string,
  uniforms = '',
  preamble = '',
): WebgpuProgram {
  const workgroupSize: [number, number, number] = [threads, 1, 1];
  return {
    variableNames,
    outputShape,
    shaderKey: `${key}_t${threads}`,
    // A flat layout over `rows` groups: dispatch = rows workgroups (reshaped by tfjs into 2-D/3-D past 65535).
    dispatchLayout: { x: [0] },
    dispatch: [rows, 1, 1],
    workgroupSize,
    uniforms,
    getUserCode: () => `
      ${preamble}
      fn main(index : i32) {
        let row = i32(workgroupId.z * numWorkgroups.x * numWorkgroups.y + workgroupId.y * numWorkgroups.x + workgroupId.x);
        let lane = i32(localId.x);
        ${body}
      }`,
  };
}

export function webgpuBackend(): WebGPUBackend {
  if (tf.getBackend() !== 'webgpu') throw new Error(`webgpu kernel called while the active backend is ${tf.getBackend()}`);
  return tf.backend() as unknown as WebGPUBackend;
}

/** dtype of the GPU buffer behind a tensor: tfjs "casts" int32/bool → float32 by relabelling, without converting. */
export function bufferDtype(backend: WebGPUBackend, t: tf.TensorInfo): string {
  return (backend as unknown as { tensorMap: { get(id: object): { dtype: string } } }).tensorMap.get(t.dataId).dtype;
}

/**
 * Run a program on tensors and wrap the output as a tf.Tensor owned by the engine (tidy-tracked).
 * Our shaders index the raw arrays, so a float32 tensor backed by an i32 buffer is converted first.
 */
export function runProgram(program: WebgpuProgram, inputs: tf.Tensor[], dtype: 'float32' | 'int32', uniforms: UniformValue[] = []): tf.Tensor {
  const backend = webgpuBackend();
  const temps: tf.TensorInfo[] = [];
  const ready = inputs.map((t) => {
    if (t.dtype !== 'float32' || bufferDtype(backend, t) === 'float32') return t;
    const f = backend.runWebGPUProgram(toF32Program(t.shape) as never, [t], 'float32');
    temps.push(f);
    return f;
  });
  // The backend's type for programs is internal; our object has the fields its runner reads.
  const info = backend.runWebGPUProgram(program as never, ready, dtype, uniforms as never);
  for (const t of temps) backend.disposeData(t.dataId);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** i32 buffer → f32 buffer, element by element. */
function toF32Program(shape: number[]): WebgpuProgram {
  return elementwiseProgram('rl_to_f32', ['x'], shape, `
    fn main(index : i32) {
      if (index < uniforms.size) { setOutputAtIndex(index, f32(x[index])); }
    }`);
}

/** WGSL: tree-reduce `partial[0..T)` (a var<workgroup> array) into partial[0] with `combine(a, b)`. */
export function treeReduce(threads: number, partial: string, combine: (a: string, b: string) => string): string {
  return `
    for (var s = ${threads / 2}; s > 0; s = s >> 1u) {
      if (lane < s) { ${partial}[lane] = ${combine(`${partial}[lane]`, `${partial}[lane + s]`)}; }
      workgroupBarrier();
    }`;
}
