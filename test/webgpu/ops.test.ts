// Every primitive op (and gradient) the transformer, the losses and AdamW use: webgpu must agree with cpu.
// Gaps found here are what kernels/webgpu/ has to fill.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { closeness, haveWebgpu, randArray, randInts, runOn } from './harness.js';

const ok = await haveWebgpu();

const A = (shape: number[], seed: number, scale = 1) => tf.tensor(randArray(shape.reduce((a, b) => a * b, 1), seed, scale), shape);
const I = (shape: number[], seed: number, max: number) => tf.tensor(randInts(shape.reduce((a, b) => a * b, 1), seed, max), shape, 'int32');

type Case = [name: string, fn: () => tf.Tensor | tf.Tensor[], tol?: { atol: number; rtol: number }];

const forward: Case[] = [
  ['matMul', () => tf.matMul(A([5, 7], 1), A([7, 3], 2))],
  ['matMul transposeA/B', () => [tf.matMul(A([7, 5], 1), A([7, 3], 2), true, false), tf.matMul(A([5, 7], 1), A([3, 7], 2), false, true)]],
  ['batched matMul 3d', () => tf.matMul(A([2, 4, 6], 3), A([2, 6, 5], 4))],
  ['batched matMul 4d transposeB (attention scores)', () => tf.matMul(A([2, 3, 4, 8], 5), A([2, 3, 6, 8], 6), false, true)],
  ['softmax / logSoftmax', () => [tf.softmax(A([3, 11], 7, 5)), tf.logSoftmax(A([3, 11], 7, 5))]],
  ['logSumExp / max / sum / mean', () => { const x = A([4, 9], 8, 3); return [tf.logSumExp(x, -1), tf.max(x, -1), tf.sum(x, 0), tf.mean(x), tf.mean(x, -1, true)]; }],
  ['gather rows (embedding)', () => tf.gather(A([10, 4], 9), I([3, 5], 10, 10))],
  ['gather batchDims=1 (token logprobs)', () => tf.gather(A([3, 6], 11), I([3, 2], 12, 6), 1, 1)],
  ['oneHot', () => tf.oneHot(I([7], 13, 5), 5)],
  ['rsqrt / sqrt / exp / log / square', () => { const x = A([20], 14).abs().add(0.1); return [tf.rsqrt(x), tf.sqrt(x), tf.exp(x), tf.log(x), tf.square(x)]; }],
  ['sigmoid / silu-style / tanh / neg / abs', () => { const x = A([20], 15, 4); return [tf.sigmoid(x), x.mul(tf.sigmoid(x)), tf.tanh(x), tf.neg(x), tf.abs(x)]; }],
  ['sin / cos (RoPE tables)', () => { const x = A([16], 16, 50); return [tf.sin(x), tf.cos(x)]; }],
  ['cumsum (exclusive, reverse)', () => { const x = A([3, 6], 17); return [tf.cumsum(x, 1), tf.cumsum(x, 1, true, false), tf.cumsum(x, 1, false, true)]; }],
  ['cumsum int32, axis 0, length 1, after other lengths (pipeline-cache regression)', () => {
    const m = I([2, 7], 60, 3);
    return [tf.cast(tf.cumsum(m, 1), 'float32'), tf.cast(tf.cumsum(tf.cast(m, 'float32').toInt(), 1, true), 'float32'), tf.cumsum(A([5, 3], 61), 0, false, true), tf.cumsum(A([4, 1], 62), 1), tf.cumsum(tf.cast(m, 'float32'), 1)];
  }],
  ['int32 → float32 cast then float ops (relabelled buffer)', () => { const m = I([9], 63, 5); return [tf.cast(m, 'float32').mul(0.5).add(tf.cast(m, 'float32'))]; }],
  ['concat / slice / stridedSlice / split', () => { const x = A([2, 6, 4], 18); const y = A([2, 3, 4], 19); return [tf.concat([x, y], 1), tf.slice(x, [0, 1, 0], [2, 3, 4]), tf.stridedSlice(x, [0, 0, 0], [2, 6, 4], [1, 2, 1]), ...tf.split(x, 2, 2)]; }],
  ['where / equal / greater / logicalAnd / minimum / maximum', () => { const x = A([12], 20); const y = A([12], 21); return [tf.where(tf.greater(x, y), x, y), tf.cast(tf.logicalAnd(tf.greater(x, 0), tf.less(y, 0)), 'float32'), tf.minimum(x, y), tf.maximum(x, y), tf.cast(tf.equal(tf.sign(x), tf.sign(y)), 'float32')]; }],
  ['clipByValue', () => tf.clipByValue(A([15], 22, 30), -20, 20)],
  ['transpose / reshape / tile / pad / expandDims', () => { const x = A([2, 3, 4], 23); return [tf.transpose(x, [0, 2, 1]), x.reshape([6, 4]), tf.tile(x, [1, 2, 1]), tf.pad(x, [[0, 0], [1, 0], [0, 2]]), x.expandDims(1)]; }],
  ['argMax / topk values', () => { const x = A([3, 17], 24); return [tf.cast(tf.argMax(x, -1), 'float32'), tf.topk(x, 4).values, tf.cast(tf.topk(x, 4).indices, 'float32')]; }],
  ['range / band mask (causal)', () => { const r = tf.range(0, 6); return tf.cast(tf.greaterEqual(r.expandDims(1), r.expandDims(0)), 'float32'); }],
  ['stack / unstack', () => { const x = A([3, 4], 25); return [tf.stack(tf.unstack(x), 1)]; }],
  ['int32 arithmetic (positions)', () => { const x = I([8], 26, 100); return [tf.cast(x.add(3).mul(2).sub(1), 'float32'), tf.cast(tf.floorDiv(x, tf.scalar(7, 'int32')), 'float32')]; }],
  ['addN of 40 tensors (more than the storage-buffer limit)', () => tf.addN(Array.from({ length: 40 }, (_, i) => A([3, 5], 100 + i)))],
  ['concat of 40 tensors', () => tf.concat(Array.from({ length: 40 }, (_, i) => A([2, 3], 300 + i)), 0)],
  ['global grad norm over many tensors', () => tf.sqrt(tf.addN(Array.from({ length: 23 }, (_, i) => A([i + 1], 200 + i).square().sum())))],
  ['AdamW update ops', () => {
    const p = A([33], 27); const g = A([33], 28); const m = A([33], 29, 0.1); const v = A([33], 30, 0.1).abs();
    const m2 = m.mul(0.9).add(g.mul(0.1)); const v2 = v.mul(0.999).add(g.square().mul(0.001));
    const upd = m2.div(0.1).div(v2.div(0.001).sqrt().add(1e-8));
    return [m2, v2, p.mul(1 - 1e-3 * 0.01).sub(upd.mul(1e-3)), tf.sqrt(tf.addN([g.square().sum(), p.square().sum()]))];
  }],
];

const scalarLoss = (fn: (...xs: tf.Tensor[]) => tf.Tensor) => (...xs: tf.Tensor[]) => fn(...xs).sum() as tf.Scalar;
const gradCases: Case[] = [
  ['grad matMul / batched matMul', () => tf.grads(scalarLoss((a, b) => tf.matMul(a!, b!, false, true).square()))([A([2, 3, 5], 31), A([2, 4, 5], 32)])],
  ['grad logSoftmax + gather batchDims (token logprob)', () =>
    tf.grads(scalarLoss((x) => tf.gather(tf.logSoftmax(x!), I([4, 1], 33, 9), 1, 1)))([A([4, 9], 34, 3)])],
  ['grad logSoftmax·oneHot (token logprob, no gather)', () =>
    tf.grads(scalarLoss((x) => tf.logSoftmax(x!).mul(tf.oneHot(I([4], 35, 9), 9))))([A([4, 9], 36, 3)])],
  ['grad embedding gather (UnsortedSegmentSum)', () => tf.grads(scalarLoss((w) => tf.gather(w!, I([2, 5], 37, 6)).mul(A([2, 5, 3], 38))))([A([6, 3], 39)])],
  ['grad softmax (attention probs)', () => tf.grads(scalarLoss((x) => tf.softmax(x!).mul(A([2, 5, 5], 40))))([A([2, 5, 5], 41, 2)])],
  ['grad RMSNorm-style (rsqrt mean square)', () =>
    tf.grads(scalarLoss((x, w) => x!.mul(tf.rsqrt(x!.square().mean(-1, true).add(1e-6))).mul(w!).mul(A([3, 8], 42))))([A([3, 8], 43), A([8], 44)])],
  ['grad SwiGLU (silu(a)·b)', () => tf.grads(scalarLoss((a, b) => a!.mul(tf.sigmoid(a!)).mul(b!).mul(A([4, 6], 45))))([A([4, 6], 46, 3), A([4, 6], 47)])],
  ['grad exp / clipByValue / where / minimum (PPO clip)', () =>
    tf.grads(scalarLoss((lp) => {
      const ratio = tf.exp(tf.clipByValue(lp!.sub(A([10], 48, 0.3)), -20, 20));
      const adv = A([10], 49);
      const l1 = adv.neg().mul(ratio);
      const l2 = adv.neg().mul(tf.clipByValue(ratio, 0.8, 1.28));
      return tf.where(tf.less(adv, 0), tf.minimum(tf.maximum(l1, l2), adv.neg().mul(3)), tf.maximum(l1, l2));
    }))([A([10], 50, 0.3)])],
  ['grad concat / slice / transpose / reshape (RoPE rotate-half)', () =>
    tf.grads(scalarLoss((x) => {
      const h = tf.split(x!, 2, -1);
      const rot = tf.concat([h[1]!.neg(), h[0]!], -1);
      return x!.mul(tf.cos(A([4, 6], 51))).add(rot.mul(tf.sin(A([4, 6], 52)))).transpose([1, 0]).reshape([2, 12]).mul(A([2, 12], 53));
    }))([A([4, 6], 54)])],
  ['grad mean / logSumExp / cumsum', () => tf.grads(scalarLoss((x) => tf.logSumExp(tf.cumsum(x!, 1), -1).mul(tf.mean(x!))))([A([3, 5], 55)])],
];

describe.skipIf(!ok)('webgpu primitive ops agree with cpu', () => {
  for (const [name, fn, tol] of [...forward, ...gradCases]) {
    it(name, async () => {
      const ref = await runOn('cpu', fn);
      const got = await runOn('webgpu', fn);
      expect(got.length).toBe(ref.length);
      got.forEach((g, i) => {
        const c = closeness(g, ref[i]!, tol?.atol ?? 1e-4, tol?.rtol ?? 1e-3);
        expect(c.ok, `${name} output ${i}: ${c.worst}`).toBe(true);
      });
    });
  }

  it('leaks no tensors across a forward + grad round trip', async () => {
    await runOn('webgpu', () => tf.matMul(A([3, 3], 1), A([3, 3], 2)));
    const before = tf.memory().numTensors;
    await runOn('webgpu', gradCases[1]![1]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
