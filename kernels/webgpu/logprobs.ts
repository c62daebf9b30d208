// WGSL chunk maths of tokenLogProbs (the chunking and gradient wiring are kernels/logprobs_driver.ts's).
// Per chunk of tokens the logits come from one tfjs matmul; then ONE row kernel does what took ~10 tfjs ops
// (max, exp, sum, log, divide, gather, p·z): an online-softmax pass giving log p(target), entropy, logsumexp
// and Σp·z per row. The backward recomputes the chunk's logits and forms dlogits in one elementwise kernel.
import * as tf from '@tensorflow/tfjs';
import { chunkedTokenLogProbs, type LogProbChunkMaths } from '../logprobs_driver.js';
import { elementwiseProgram, rowProgram, runProgram, treeReduce } from './program.js';

type T2 = tf.Tensor2D;

const THREADS = 256;
const UNIFORMS = 'rows : i32, cols : i32, invTemp : f32, withEntropy : i32,';

/** Output [rows, 4]: log p(target), entropy (0 unless withEntropy), logsumexp, Σ p·z — of z = logits·invTemp. */
function statsProgram(rows: number, cols: number) {
  // Online softmax state per lane: (running max m, Σ e^(z−m), Σ e^(z−m)·z); merged pairwise in the tree.
  const merge = (a: string, b: string) => `mergeState(${a}, ${b})`;
  return rowProgram(
    'rl_logprob_stats',
    ['z', 't'],
    [rows, 4],
    rows,
    THREADS,
    `
    let valid = row < uniforms.rows;
    let r = min(row, uniforms.rows - 1);
    let base = r * uniforms.cols;
    var st = vec3<f32>(-3.0e38, 0.0, 0.0);
    for (var j = lane; j < uniforms.cols; j = j + ${THREADS}) {
      let v = z[base + j] * uniforms.invTemp;
      if (v > st.x) {
        let c = exp(st.x - v);
        st = vec3<f32>(v, st.y * c + 1.0, st.z * c + v);
      } else {
        let e = exp(v - st.x);
        st = vec3<f32>(st.x, st.y + e, st.z + e * v);
      }
    }
    states[lane] = st;
    workgroupBarrier();
    ${treeReduce(THREADS, 'states', merge)}
    if (valid && lane == 0) {
      let s = states[0];
      let lse = s.x + log(s.y);
      let pz = s.z / s.y;
      let zt = z[base + t[r]] * uniforms.invTemp;
      result[r * 4] = zt - lse;
      result[r * 4 + 1] = select(0.0, lse - pz, uniforms.withEntropy != 0);
      result[r * 4 + 2] = lse;
      result[r * 4 + 3] = pz;
    }`,
    UNIFORMS,
    `
    var<workgroup> states : array<vec3<f32>, ${THREADS}>;
    fn mergeState(a : vec3<f32>, b : vec3<f32>) -> vec3<f32> {
      let m = max(a.x, b.x);
      let ca = exp(a.x - m);
      let cb = exp(b.x - m);
      return vec3<f32>(m, a.y * ca + b.y * cb, a.z * ca + b.z * cb);
    }`,
  );
}

/** d loss / d logits for a chunk: [rows, cols], from logits, the row stats and the upstream (dlogp, dentropy). */
function dlogitsProgram(rows: number, cols: number) {
  return elementwiseProgram(
    'rl_logprob_dlogits',
    ['z', 'st', 't', 'g'],
    [rows, cols],
    `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let r = index / uniforms.cols;
        let j = index - r * uniforms.cols;
        let v = z[index] * uniforms.invTemp;
        let p = exp(v - st[r * 4 + 2]);
        let gL = g[r * 2];
        var coef = gL;
        if (uniforms.withEntropy != 0) { coef = gL + g[r * 2 + 1] * (v - st[r * 4 + 3]); }
        var d = -p * coef;
        if (j == t[r]) { d = d + gL; }
        setOutputAtIndex(index, d * uniforms.invTemp);
      }
    }`,
    UNIFORMS,
  );
}

function uniforms(rows: number, cols: number, temp: number, withEntropy: boolean) {
  return [
    { type: 'int32' as const, data: [rows] },
    { type: 'int32' as const, data: [cols] },
    { type: 'float32' as const, data: [1 / temp] },
    { type: 'int32' as const, data: [withEntropy ? 1 : 0] },
  ];
}

/** WGSL chunk maths for the shared chunked driver (kernels/logprobs_driver.ts); the logits come from a tfjs matmul. */
const webgpuChunkMaths: LogProbChunkMaths = {
  values(hc, w, tc, temp, withEntropy) {
    const c = hc.shape[0];
    const v = w.shape[1];
    const st = runProgram(statsProgram(c, v), [tf.matMul(hc, w), tc], 'float32', uniforms(c, v, temp, withEntropy));
    return tf.slice(st, [0, 0], [c, 2]) as T2;
  },
  dlogits(hc, w, tc, g, temp, withEntropy) {
    const c = hc.shape[0];
    const v = w.shape[1];
    const z = tf.matMul(hc, w);
    const st = runProgram(statsProgram(c, v), [z, tc], 'float32', uniforms(c, v, temp, withEntropy));
    return runProgram(dlogitsProgram(c, v), [z, st, tc, g], 'float32', uniforms(c, v, temp, withEntropy)) as T2;
  },
  dlogitsHasTargetTerm: true,
};

/** Same contract as kernels/logprobs.ts tokenLogProbs: hidden [N, H], head [H, V], targets [N] → logProbs, entropy [N]. */
export const tokenLogProbsWebgpu = chunkedTokenLogProbs(webgpuChunkMaths);
