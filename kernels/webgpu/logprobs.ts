// Token log-probs + entropy from hidden states and the LM head, WGSL version of kernels/logprobs.ts.
// Per chunk of tokens the logits come from one tfjs matmul; then ONE row kernel does what took ~10 tfjs ops
// (max, exp, sum, log, divide, gather, p·z): an online-softmax pass giving log p(target), entropy, logsumexp
// and Σp·z per row. The backward recomputes the chunk's logits and forms dlogits in one elementwise kernel.
import * as tf from '@tensorflow/tfjs';
import { customOp } from '../custom_op.js';
import { checkTokenLogProbsArgs, type TokenLogProbs, type TokenLogProbsOptions } from '../logprobs.js';
import { elementwiseProgram, rowProgram, runProgram, treeReduce } from './program.js';

type T1 = tf.Tensor1D;
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

function chunkStats(hc: T2, head: T2, tc: T1, temp: number, withEntropy: boolean): T2 {
  const [c] = hc.shape;
  const v = head.shape[1];
  const z = tf.matMul(hc, head);
  return runProgram(statsProgram(c, v), [z, tc], 'float32', uniforms(c, v, temp, withEntropy)) as T2;
}

/** Same contract as kernels/logprobs.ts tokenLogProbs: hidden [N, H], head [H, V], targets [N] → logProbs, entropy [N]. */
export function tokenLogProbsWebgpu(hidden: T2, head: T2, targets: T1, opts: TokenLogProbsOptions = {}): TokenLogProbs {
  const { temp, withEntropy, n, hdim, v, chunk } = checkTokenLogProbsArgs(hidden, head, targets, opts);

  const f = customOp((h: T2, w: T2, tg: T1, save: tf.GradSaveFunc) => {
    save([h, w, tg]);
    const parts: tf.Tensor[] = [];
    for (let s = 0; s < n; s += chunk) {
      const c = Math.min(chunk, n - s);
      parts.push(
        tf.tidy(() => {
          const st = chunkStats(tf.slice(h, [s, 0], [c, hdim]), w, tf.slice(tg, [s], [c]), temp, withEntropy);
          opts.onChunk?.();
          return tf.slice(st, [0, 0], [c, 2]);
        }),
      );
    }
    const value = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    if (parts.length > 1) tf.dispose(parts);
    return {
      value,
      gradFunc: (dy: T2, saved: tf.Tensor[]) => {
        const [hs, ws, ts] = saved as [T2, T2, T1];
        // Plain matmuls on explicit transposes (the head once per backward): tfjs's transposed-operand matmul
        // was the slower path when measured (bench/webgpu.ts, lavapipe).
        const headT = tf.transpose(ws);
        let dW: T2 = tf.zeros([hdim, v]);
        const dhs: tf.Tensor[] = [];
        for (let s = 0; s < n; s += chunk) {
          const c = Math.min(chunk, n - s);
          const [dhc, next] = tf.tidy(() => {
            const hc = tf.slice(hs, [s, 0], [c, hdim]);
            const tc = tf.slice(ts, [s], [c]);
            const z = tf.matMul(hc, ws);
            const st = runProgram(statsProgram(c, v), [z, tc], 'float32', uniforms(c, v, temp, withEntropy));
            const g = tf.slice(dy, [s, 0], [c, 2]);
            const dz = runProgram(dlogitsProgram(c, v), [z, st, tc, g], 'float32', uniforms(c, v, temp, withEntropy)) as T2;
            opts.onChunk?.();
            return [tf.matMul(dz, headT), tf.add(dW, tf.matMul(tf.transpose(hc), dz))];
          });
          dhs.push(dhc!);
          dW.dispose();
          dW = next as T2;
        }
        headT.dispose();
        const dh = dhs.length === 1 ? dhs[0]! : tf.concat(dhs, 0);
        if (dhs.length > 1) tf.dispose(dhs);
        return [dh, dW, tf.zeros(ts.shape)];
      },
    };
  });

  return tf.tidy(() => {
    const out = f(hidden, head, tf.cast(targets, 'int32')) as T2;
    const [lp, ent] = tf.unstack(out, 1) as [T1, T1];
    return { logProbs: lp, entropy: ent };
  });
}
