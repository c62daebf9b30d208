// SwiGLU in WGSL: silu(gate)·up forward in one pass, and the two input gradients in one pass each
// (the tfjs-op version takes ~9 dispatches and as many [N, I] temporaries for the backward).
// Checked against kernels/swiglu.ts's reference in test/webgpu/kernels.test.ts.
import * as tf from '@tensorflow/tfjs';
import { customOp } from '../custom_op.js';
import { elementwiseProgram, runProgram } from './program.js';

type T2 = tf.Tensor2D;

const SIGMOID = 'fn sig(v : f32) -> f32 { return 1.0 / (1.0 + exp(-v)); }';

function program(key: string, names: string[], shape: number[], expr: string) {
  return elementwiseProgram(
    `rl_swiglu_${key}`,
    names,
    shape,
    `
    ${SIGMOID}
    fn main(index : i32) {
      if (index < uniforms.size) {
        let gv = g[index];
        let s = sig(gv);
        setOutputAtIndex(index, ${expr});
      }
    }`,
  );
}

/** gate, up [N, I] → silu(gate)·up (same contract as kernels/swiglu.ts). */
export function swigluWebgpu(gate: T2, up: T2): T2 {
  if (gate.shape.join() !== up.shape.join()) throw new Error(`swiglu: gate [${gate.shape}] and up [${up.shape}] differ`);
  const f = customOp((g: T2, u: T2, save: tf.GradSaveFunc) => {
    save([g, u]);
    return {
      value: runProgram(program('fwd', ['g', 'u'], g.shape, 'gv * s * u[index]'), [g, u], 'float32'),
      gradFunc: (dy: T2, [gs, us]: tf.Tensor[]) => [
        // d silu/dg = s·(1 + g·(1 − s))
        runProgram(program('dgate', ['g', 'u', 'dy'], gs!.shape, 'dy[index] * u[index] * s * (1.0 + gv * (1.0 - s))'), [gs!, us!, dy], 'float32'),
        runProgram(program('dup', ['g', 'dy'], gs!.shape, 'dy[index] * gv * s'), [gs!, dy], 'float32'),
      ],
    };
  });
  return f(gate, up) as T2;
}
