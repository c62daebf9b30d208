// Rotary embedding (HF rotate_half convention) in WGSL: x' = x·cos + rotate_half(x)·sin, one pass forward and
// one backward (dx = dy·cos + rotate_halfᵀ(dy·sin)), instead of split/neg/concat/mul/add chains.
// Checked against kernels/rope.ts's reference in test/webgpu/kernels.test.ts.
import * as tf from '@tensorflow/tfjs';
import { customOp } from '../custom_op.js';
import { elementwiseProgram, runProgram } from './program.js';

type T4 = tf.Tensor4D;

const UNIFORMS = 'heads : i32, len : i32, dim : i32,';

/** x [B, H, L, d] with cos/sin [B, 1, L, d]; `backward` applies the transpose of the rotation (to dy). */
function program(shape: number[], backward: boolean) {
  // rotate_half(x)[i] = −x[i+h] (i < h), x[i−h] (i ≥ h);  its transpose: y[i+h] (i < h), −y[i−h] (i ≥ h).
  // Branches, not select(): select evaluates both sides, and one of them indexes out of bounds.
  const rot = backward
    ? `if (i < half) { r = x[index + half] * sn[t + half]; } else { r = -x[index - half] * sn[t - half]; }`
    : `if (i < half) { r = -x[index + half]; } else { r = x[index - half]; } r = r * sn[t];`;
  return elementwiseProgram(
    `rl_rope_${backward ? 'bwd' : 'fwd'}`,
    ['x', 'cs', 'sn'],
    shape,
    `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let d = uniforms.dim;
        let half = d / 2;
        let i = index % d;
        let l = (index / d) % uniforms.len;
        let b = index / (d * uniforms.len * uniforms.heads);
        let t = (b * uniforms.len + l) * d + i;
        var r = 0.0;
        ${rot}
        setOutputAtIndex(index, x[index] * cs[t] + r);
      }
    }`,
    UNIFORMS,
  );
}

/** x [B, heads, L, d], cos/sin [B, 1, L, d] → [B, heads, L, d] (same contract as kernels/rope.ts). */
export function applyRopeWebgpu(x: T4, cos: T4, sin: T4): T4 {
  const [b, heads, len, dim] = x.shape;
  const want = [b, 1, len, dim].join();
  if (cos.shape.join() !== want || sin.shape.join() !== want) {
    throw new Error(`applyRope: cos [${cos.shape}] / sin [${sin.shape}] must be [${want}] for x [${x.shape}]`);
  }
  if (dim % 2 !== 0) throw new Error(`applyRope: head dim ${dim} must be even`);
  const u = [
    { type: 'int32' as const, data: [heads] },
    { type: 'int32' as const, data: [len] },
    { type: 'int32' as const, data: [dim] },
  ];
  const f = customOp((xi: T4, c: T4, s: T4, save: tf.GradSaveFunc) => {
    save([c, s]);
    return {
      value: runProgram(program(xi.shape, false), [xi, c, s], 'float32', u),
      gradFunc: (dy: T4, [cs, sn]: tf.Tensor[]) => [runProgram(program(dy.shape, true), [dy, cs!, sn!], 'float32', u), tf.zerosLike(cs!), tf.zerosLike(sn!)],
    };
  });
  return f(x, cos, sin) as T4;
}
