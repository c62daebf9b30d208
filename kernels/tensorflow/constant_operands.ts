// tfjs-node 4.22 hands TensorFlow the shape of Reshape, the permutation of Transpose, the axes of Sum/Mean/Max,
// the axis of Concat, the sizes and axis of SplitV and the begin/size of Slice as int32 tensors made afresh on
// every call: a tfjs tensor created, copied into a TensorFlow handle, used once and disposed. That costs more
// than the op itself (tf.reshape of a [16, 384] tensor: 49–81 µs; with a kept handle: 22–25 µs), and a decode
// step runs ~150 such ops. These replacements keep one TensorFlow handle per distinct operand value instead,
// and skip the float32 → float32 Cast that tfjs-node's Mean adds. Same TensorFlow ops, same attributes, same
// results; anything they do not cover goes to the original kernel.
import * as tf from '@tensorflow/tfjs';
import { isKernelReplaced, replaceKernel, restoreKernel } from '../replace_kernel.js';

interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

interface TensorMetadata {
  id: number;
  shape: number[];
  dtype: number;
}

/** What these kernels use of tfjs-node's backend and its native binding. */
interface NodeBackend {
  binding: {
    TF_INT32: number;
    TF_ATTR_TYPE: number;
    TF_ATTR_INT: number;
    createTensor(shape: number[], dtype: number, values: Int32Array): number;
    deleteTensor(id: number): void;
    executeOp(name: string, attrs: OpAttr[], inputIds: number[], numOutputs: number): TensorMetadata[];
  };
  getDTypeInteger(dtype: tf.DataType): number;
  getInputTensorIds(tensors: tf.TensorInfo[]): number[];
  createOutputTensor(metadata: TensorMetadata): tf.Tensor;
  createReductionOpAttrs(x: tf.TensorInfo, keepDims: boolean): OpAttr[];
}

const BACKEND = 'tensorflow';

/**
 * Distinct operand values get a handle each, up to this many; then all are freed and the cache starts again, so
 * a run whose values never repeat (slices at ever new offsets) costs what tfjs-node's own kernels cost.
 */
export const MAX_KEPT_OPERANDS = 4096;

const kept = new Map<string, number>();
let keptBinding: NodeBackend['binding'] | null = null;

/** An int32 operand: a vector of these values, or a scalar. */
type Operand = { values: readonly number[]; scalar?: boolean };

/**
 * The TensorFlow handles of one op call's operands. The cache starts over before any of them is looked up, never
 * between two: freeing it between would delete a handle this call already holds.
 */
function operands(be: NodeBackend, ...wanted: Operand[]): number[] {
  if (kept.size + wanted.length > MAX_KEPT_OPERANDS) freeKeptOperands();
  keptBinding = be.binding;
  return wanted.map(({ values, scalar = false }) => {
    const key = (scalar ? 's' : 'v') + values.join(',');
    const hit = kept.get(key);
    if (hit !== undefined) return hit;
    const id = be.binding.createTensor(scalar ? [] : [values.length], be.binding.TF_INT32, Int32Array.from(values));
    kept.set(key, id);
    return id;
  });
}

/** Release every kept handle (restoring the original kernels does this). */
export function freeKeptOperands(): void {
  for (const id of kept.values()) keptBinding?.deleteTensor(id);
  kept.clear();
}

/** Handles kept now (tests: the cache is bounded and reused). */
export function keptOperandCount(): number {
  return kept.size;
}

function typeAttr(be: NodeBackend, name: string, dtype: tf.DataType): OpAttr {
  return { name, type: be.binding.TF_ATTR_TYPE, value: be.getDTypeInteger(dtype) };
}

function int32Attr(be: NodeBackend, name: string): OpAttr {
  return { name, type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_INT32 };
}

/** Run a TensorFlow op on tfjs inputs plus kept operand handles; outputs become tfjs tensors. */
function execute(be: NodeBackend, op: string, attrs: OpAttr[], inputs: tf.TensorInfo[], operands: number[], numOutputs = 1): tf.Tensor[] {
  const ids = [...be.getInputTensorIds(inputs), ...operands];
  return be.binding.executeOp(op, attrs, ids, numOutputs).map((m) => be.createOutputTensor(m));
}

type Args = Parameters<tf.KernelFunc>[0];

function reduction(op: 'Sum' | 'Mean' | 'Max', axisAttr: 'axis' | 'reductionIndices') {
  return (args: Args, orig: tf.KernelConfig) => {
    const be = args.backend as unknown as NodeBackend;
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    // tfjs-node's Mean casts to float32 first; other dtypes keep that path.
    if (op === 'Mean' && x.dtype !== 'float32') return orig.kernelFunc(args);
    const attrs = args.attrs as Record<string, unknown>;
    const axes = tf.util.parseAxisParam(attrs[axisAttr] as number | number[], x.shape);
    return execute(be, op, be.createReductionOpAttrs(x, attrs.keepDims as boolean), [x], operands(be, { values: axes }))[0]!;
  };
}

const REPLACEMENTS: Record<string, (args: Args, orig: tf.KernelConfig) => tf.TensorInfo | tf.TensorInfo[]> = {
  Reshape: (args) => {
    const be = args.backend as unknown as NodeBackend;
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    const shape = (args.attrs as unknown as { shape: number[] }).shape;
    return execute(be, 'Reshape', [typeAttr(be, 'T', x.dtype), int32Attr(be, 'Tshape')], [x], operands(be, { values: shape }))[0]!;
  },
  Transpose: (args) => {
    const be = args.backend as unknown as NodeBackend;
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    const perm = (args.attrs as unknown as { perm: number[] }).perm;
    return execute(be, 'Transpose', [typeAttr(be, 'T', x.dtype), int32Attr(be, 'Tperm')], [x], operands(be, { values: perm }))[0]!;
  },
  Sum: reduction('Sum', 'axis'),
  Mean: reduction('Mean', 'axis'),
  Max: reduction('Max', 'reductionIndices'),
  Concat: (args, orig) => {
    const be = args.backend as unknown as NodeBackend;
    const xs = args.inputs as unknown as tf.TensorInfo[];
    if (xs.length < 2) return orig.kernelFunc(args); // ConcatV2 takes N ≥ 2
    const axis = (args.attrs as unknown as { axis: number }).axis;
    const attrs = [{ name: 'N', type: be.binding.TF_ATTR_INT, value: xs.length }, int32Attr(be, 'Tidx'), typeAttr(be, 'T', xs[0]!.dtype)];
    return execute(be, 'ConcatV2', attrs, xs, operands(be, { values: [axis], scalar: true }))[0]!;
  },
  SplitV: (args) => {
    const be = args.backend as unknown as NodeBackend;
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const a = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, a);
    const attrs = [{ name: 'num_split', type: be.binding.TF_ATTR_INT, value: sizes.length }, typeAttr(be, 'T', x.dtype), int32Attr(be, 'Tlen')];
    return execute(be, 'SplitV', attrs, [x], operands(be, { values: sizes }, { values: [a], scalar: true }), sizes.length);
  },
  Slice: (args) => {
    const be = args.backend as unknown as NodeBackend;
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.backend_util.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    return execute(be, 'Slice', [typeAttr(be, 'T', x.dtype), int32Attr(be, 'Index')], [x], operands(be, { values: b }, { values: s }))[0]!;
  },
};

/** The tfjs kernels replaced on the tensorflow backend. */
export const CONSTANT_OPERAND_KERNELS = Object.keys(REPLACEMENTS);

/** Replace the kernels (idempotent; false when the tensorflow backend is not loaded). */
export function installConstantOperandKernels(): boolean {
  if (!tf.getKernel('Reshape', BACKEND)) return false;
  for (const [name, fn] of Object.entries(REPLACEMENTS)) replaceKernel(name, BACKEND, fn);
  return true;
}

/** Put tfjs-node's own kernels back and free the kept handles (A/B benches, tests). */
export function restoreConstantOperandKernels(): void {
  for (const name of CONSTANT_OPERAND_KERNELS) restoreKernel(name, BACKEND);
  freeKeptOperands();
}

/** Whether the replacements are installed now. */
export function constantOperandKernelsInstalled(): boolean {
  return CONSTANT_OPERAND_KERNELS.every((k) => isKernelReplaced(k, BACKEND));
}
