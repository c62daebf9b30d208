// One SharedArrayBuffer holding every float32 weight of a policy plus a version counter.
// The parent writes after each optimizer update and bumps the version; workers compare versions before each
// task and refresh their variables only when it changed. Nothing is re-serialised per request.
import * as tf from '@tensorflow/tfjs';

export interface WeightSlot {
  name: string;
  shape: number[];
  /** Offset in float32 elements from the start of the data area. */
  offset: number;
  size: number;
}

export interface WeightLayout {
  slots: WeightSlot[];
  totalFloats: number;
}

/** Bytes before the float data: [version:int32, reserved...] (16 keeps the floats 16-byte aligned). */
const HEADER_BYTES = 16;

export function layoutOf(named: Map<string, tf.Tensor>): WeightLayout {
  const slots: WeightSlot[] = [];
  let offset = 0;
  for (const [name, t] of named) {
    if (t.dtype !== 'float32') throw new Error(`weight broadcast: "${name}" is ${t.dtype}; only float32 weights are supported`);
    slots.push({ name, shape: [...t.shape], offset, size: t.size });
    offset += t.size;
  }
  return { slots, totalFloats: offset };
}

export function allocateWeightBuffer(layout: WeightLayout): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + 4 * layout.totalFloats);
}

export function readVersion(sab: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(sab, 0, 1), 0);
}

/**
 * Parent side: copy the current weights in, then publish a new version. Async because GPU backends
 * (webgpu in Node) read device memory only asynchronously. Workers never read mid-write: the caller
 * publishes only between generate() calls, and the version moves only after the last copy.
 */
export async function writeWeights(sab: SharedArrayBuffer, layout: WeightLayout, named: Map<string, tf.Tensor>): Promise<number> {
  const data = new Float32Array(sab, HEADER_BYTES, layout.totalFloats);
  for (const slot of layout.slots) {
    const t = named.get(slot.name);
    if (!t) throw new Error(`weight broadcast: the policy no longer has weight "${slot.name}"`);
    if (t.size !== slot.size) throw new Error(`weight broadcast: "${slot.name}" changed size (${t.size} vs ${slot.size})`);
    data.set((await t.data()) as Float32Array, slot.offset);
  }
  return Atomics.add(new Int32Array(sab, 0, 1), 0, 1) + 1;
}

/** Worker side: assign every slot into the same-named variable. */
export function loadWeightsInto(sab: SharedArrayBuffer, layout: WeightLayout, named: Map<string, tf.Tensor>): void {
  const data = new Float32Array(sab, HEADER_BYTES, layout.totalFloats);
  for (const slot of layout.slots) {
    const v = named.get(slot.name);
    if (!(v instanceof tf.Variable)) throw new Error(`rollout worker: weight "${slot.name}" is not a variable of the worker's policy`);
    // slice(): a private copy, so later broadcasts never alias tensor storage.
    const t = tf.tensor(data.slice(slot.offset, slot.offset + slot.size), slot.shape, 'float32');
    v.assign(t);
    t.dispose();
  }
}
