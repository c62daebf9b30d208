// The tensorflow backend's BatchMatMul sends products of at most SMALL_MATMUL_ROWS rows to BatchMatMulV3
// (Eigen) and the rest to tfjs-node's own BatchMatMulV2; both give the float64 product, with transpose
// flags and batch broadcasting, forward and backward.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { SMALL_MATMUL_ROWS, smallMatMulKernelInstalled } from '../../kernels/tensorflow/small_matmul.js';
import { backendsUnderTest } from '../backends.js';

/** float64 batched product of row-major data, with numpy-style broadcasting of the batch dims. */
function reference(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): { shape: number[]; values: number[] } {
  const A = Array.from(a.dataSync()), B = Array.from(b.dataSync());
  const [ra, ca] = a.shape.slice(-2) as [number, number];
  const [rb, cb] = b.shape.slice(-2) as [number, number];
  const m = ta ? ca : ra, k = ta ? ra : ca, n = tb ? rb : cb;
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const pad = (s: number[]) => [...Array(rank - s.length).fill(1), ...s];
  const pa = pad(batchA), pb = pad(batchB);
  const batch = pa.map((d, i) => Math.max(d, pb[i]!));
  const count = batch.reduce((x, y) => x * y, 1);
  const values: number[] = [];
  for (let t = 0; t < count; t++) {
    let rest = t, offA = 0, offB = 0, strideA = 1, strideB = 1;
    for (let i = rank - 1; i >= 0; i--) {
      const idx = rest % batch[i]!;
      rest = Math.floor(rest / batch[i]!);
      offA += (pa[i] === 1 ? 0 : idx) * strideA;
      offB += (pb[i] === 1 ? 0 : idx) * strideB;
      strideA *= pa[i]!;
      strideB *= pb[i]!;
    }
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const x = A[offA * ra * ca + (ta ? p * ca + i : i * ca + p)]!;
        const y = B[offB * rb * cb + (tb ? j * cb + p : p * cb + j)]!;
        s += x * y;
      }
      values.push(s);
    }
  }
  return { shape: [...batch, m, n], values };
}

const onTensorflow = backendsUnderTest([], 'small matmuls on Eigen').includes('tensorflow');

describe.runIf(onTensorflow)('tensorflow BatchMatMul: small products on BatchMatMulV3', () => {
  beforeAll(async () => {
    await selectBackend('tensorflow');
  });

  it('is installed when the backend is selected', () => {
    expect(smallMatMulKernelInstalled()).toBe(true);
  });

  const cases: Array<{ a: number[]; b: number[]; ta?: boolean; tb?: boolean; op: string }> = [
    { a: [1, 24], b: [24, 40], op: 'BatchMatMulV3' },
    { a: [SMALL_MATMUL_ROWS, 24], b: [24, 40], op: 'BatchMatMulV3' },
    { a: [24, SMALL_MATMUL_ROWS], b: [40, 24], ta: true, tb: true, op: 'BatchMatMulV3' },
    { a: [2, 3, 1, 8], b: [2, 3, 8, 5], op: 'BatchMatMulV3' },
    { a: [2, 3, 1, 8], b: [1, 3, 5, 8], tb: true, op: 'BatchMatMulV3' },
    { a: [SMALL_MATMUL_ROWS + 1, 24], b: [24, 40], op: 'BatchMatMulV2' },
    { a: [24, SMALL_MATMUL_ROWS + 1], b: [24, 40], ta: true, op: 'BatchMatMulV2' },
  ];
  for (const c of cases) {
    it(`[${c.a}]${c.ta ? 'ᵀ' : ''} × [${c.b}]${c.tb ? 'ᵀ' : ''} runs ${c.op} and gives the float64 product`, () => {
      const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const a = tf.tensor(Array.from({ length: size(c.a) }, (_, i) => Math.sin(i * 0.7)), c.a);
      const b = tf.tensor(Array.from({ length: size(c.b) }, (_, i) => Math.cos(i * 0.3)), c.b);
      const spy = vi.spyOn(tf.backend() as unknown as { executeSingleOutput: (name: string) => unknown }, 'executeSingleOutput');
      const y = tf.matMul(a, b, c.ta, c.tb);
      const ops = spy.mock.calls.map((call) => call[0]);
      spy.mockRestore();
      expect(ops).toContain(c.op);
      const want = reference(a, b, c.ta ?? false, c.tb ?? false);
      expect(y.shape).toEqual(want.shape);
      const got = Array.from(y.dataSync());
      const worst = Math.max(...got.map((v, i) => Math.abs(v - want.values[i]!)));
      expect(worst).toBeLessThan(1e-4);
      tf.dispose([a, b, y]);
    });
  }

  it('gradients of a small product match the float64 ones', () => {
    const a = tf.tensor2d(Array.from({ length: 4 * 6 }, (_, i) => Math.sin(i)), [4, 6]);
    const b = tf.tensor2d(Array.from({ length: 6 * 5 }, (_, i) => Math.cos(i)), [6, 5]);
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([a, b]);
    // d/dA Σ(AB)² = 2(AB)Bᵀ, d/dB = 2Aᵀ(AB)
    const ab = reference(a, b, false, false);
    const abT = tf.tensor2d(ab.values, [4, 5]);
    const wantA = reference(abT, b, false, true).values.map((v) => 2 * v);
    const wantB = reference(a, abT, true, false).values.map((v) => 2 * v);
    const close = (t: tf.Tensor, want: number[]) => Math.max(...Array.from(t.dataSync()).map((v, i) => Math.abs(v - want[i]!)));
    expect(close(da!, wantA)).toBeLessThan(1e-4);
    expect(close(db!, wantB)).toBeLessThan(1e-4);
    tf.dispose([a, b, da!, db!, abT]);
  });
});
