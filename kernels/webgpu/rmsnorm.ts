// RMSNorm in WGSL: one workgroup per row; forward y = x·r·w with r = rsqrt(mean(x²) + eps), and a backward
// that needs one pass for its two row sums: dx = r·u − x·r³·Σ(u·x)/H with u = dy·w.
// Checked against kernels/rmsnorm.ts's reference in test/webgpu/kernels.test.ts.
import * as tf from '@tensorflow/tfjs';
import { customOp } from '../custom_op.js';
import { rowProgram, runProgram, treeReduce } from './program.js';

const THREADS = 64;
const UNIFORMS = 'rows : i32, cols : i32, eps : f32,';

function forwardProgram(rows: number, cols: number) {
  return rowProgram(
    'rl_rmsnorm_fwd',
    ['x', 'w'],
    [rows, cols],
    rows,
    THREADS,
    `
    let valid = row < uniforms.rows;
    let base = min(row, uniforms.rows - 1) * uniforms.cols;
    var acc = 0.0;
    for (var j = lane; j < uniforms.cols; j = j + ${THREADS}) { let v = x[base + j]; acc = acc + v * v; }
    partial[lane] = acc;
    workgroupBarrier();
    ${treeReduce(THREADS, 'partial', (a, b) => `${a} + ${b}`)}
    let r = inverseSqrt(partial[0] / f32(uniforms.cols) + uniforms.eps);
    if (valid) {
      for (var j = lane; j < uniforms.cols; j = j + ${THREADS}) { result[base + j] = x[base + j] * r * w[j]; }
    }`,
    UNIFORMS,
    `var<workgroup> partial : array<f32, ${THREADS}>;`,
  );
}

function backwardProgram(rows: number, cols: number) {
  return rowProgram(
    'rl_rmsnorm_bwd',
    ['x', 'w', 'dy'],
    [rows, cols],
    rows,
    THREADS,
    `
    let valid = row < uniforms.rows;
    let base = min(row, uniforms.rows - 1) * uniforms.cols;
    var ss = 0.0;
    var ux = 0.0;
    for (var j = lane; j < uniforms.cols; j = j + ${THREADS}) {
      let v = x[base + j];
      ss = ss + v * v;
      ux = ux + dy[base + j] * w[j] * v;
    }
    sums[lane] = vec2<f32>(ss, ux);
    workgroupBarrier();
    ${treeReduce(THREADS, 'sums', (a, b) => `${a} + ${b}`)}
    let n = f32(uniforms.cols);
    let r = inverseSqrt(sums[0].x / n + uniforms.eps);
    let k = r * r * r * sums[0].y / n;
    if (valid) {
      for (var j = lane; j < uniforms.cols; j = j + ${THREADS}) {
        result[base + j] = r * dy[base + j] * w[j] - x[base + j] * k;
      }
    }`,
    UNIFORMS,
    `var<workgroup> sums : array<vec2<f32>, ${THREADS}>;`,
  );
}

const u = (rows: number, cols: number, eps: number) => [
  { type: 'int32' as const, data: [rows] },
  { type: 'int32' as const, data: [cols] },
  { type: 'float32' as const, data: [eps] },
];

/** x [N, H], w [H] → [N, H] (same contract as kernels/rmsnorm.ts). */
export function rmsNormWebgpu(x: tf.Tensor2D, w: tf.Tensor1D, eps: number): tf.Tensor2D {
  const [rows, cols] = x.shape;
  if (w.shape[0] !== cols) throw new Error(`rmsNorm: weight [${w.shape}] does not match x [${x.shape}]`);
  const f = customOp((xi: tf.Tensor2D, wi: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([xi, wi]);
    return {
      value: runProgram(forwardProgram(rows, cols), [xi, wi], 'float32', u(rows, cols, eps)),
      gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor[]) => {
        const dx = runProgram(backwardProgram(rows, cols), [xs!, ws!, dy], 'float32', u(rows, cols, eps));
        const r = tf.rsqrt(tf.add(tf.mean(tf.square(xs!), -1, true), eps));
        const dw = tf.sum(tf.mul(dy, tf.mul(xs!, r)), 0);
        return [dx, dw];
      },
    };
  });
  return f(x, w) as tf.Tensor2D;
}
