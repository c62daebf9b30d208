// The transformer's KV cache, kept per layer as a list of chunks along the sequence. A decode step appends its
// position to the last chunk (a copy of at most `chunkSize` positions) or starts a new chunk. Concatenating the
// whole cache instead allocated a second full copy of every layer's keys and values per step: at 128 rows and
// 4096 positions (tiny Qwen2, wasm) the heap peaked at 1111 MB instead of 429 MB, for 5-10% more time per step.
// tfjs tensors are immutable, so a preallocated buffer could not be written in place on every backend.
import * as tf from '@tensorflow/tfjs';
import type { KVCache } from './decoder.js';

type T2 = tf.Tensor2D;
type T4 = tf.Tensor4D;

/** Positions per appended chunk: large enough that a step runs few kernels per chunk, small enough to copy. */
export const DEFAULT_KV_CHUNK = 256;

export class TransformerKVCache implements KVCache {
  disposed = false;
  constructor(
    /** Per layer, chunks of transposed keys kT [B, Hkv, d, c], in sequence order. */
    public kT: T4[][],
    /** Per layer, chunks of values [B, Hkv, c, d], in sequence order. */
    public v: T4[][],
    /** [B, S] additive attention bias over the cached positions: 0 for real tokens, MASKED for padding. */
    public keyBias: T2,
    /** [B, 1] int32: position id of the next token of each row. */
    public nextPos: T2,
    public readonly maxTotalLength: number,
    public readonly chunkSize: number = DEFAULT_KV_CHUNK,
  ) {
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new Error(`KV-cache chunk size must be an integer >= 1, got ${chunkSize}`);
  }

  /** Cached positions S. */
  get length(): number {
    return this.keyBias.shape[1];
  }

  /** Rows B. */
  get rows(): number {
    return this.keyBias.shape[0];
  }

  /** Whether the next position starts a new chunk (the last one is full) rather than growing the last one. */
  get nextStartsChunk(): boolean {
    return this.kT[0]![this.kT[0]!.length - 1]!.shape[3] >= this.chunkSize;
  }

  /**
   * Layer `layer`'s chunks with one more position (kTCol [B, Hkv, d, 1], vCol [B, Hkv, 1, d]) appended: only the
   * last chunk is new. Nothing is stored: call commit() with the new last chunks once every layer has run.
   */
  extended(layer: number, kTCol: T4, vCol: T4): { kT: T4[]; v: T4[] } {
    const ks = this.kT[layer]!;
    const vs = this.v[layer]!;
    if (this.nextStartsChunk) return { kT: [...ks, kTCol], v: [...vs, vCol] };
    return {
      kT: [...ks.slice(0, -1), tf.concat([ks[ks.length - 1]!, kTCol], 3) as T4],
      v: [...vs.slice(0, -1), tf.concat([vs[vs.length - 1]!, vCol], 2) as T4],
    };
  }

  /** Store one decode step: every layer's new last chunk (from extended()), the bias and next positions. */
  commit(lastK: T4[], lastV: T4[], keyBias: T2, nextPos: T2): void {
    const fresh = this.nextStartsChunk;
    lastK.forEach((k, i) => {
      const ks = this.kT[i]!;
      const vs = this.v[i]!;
      if (fresh) {
        ks.push(k);
        vs.push(lastV[i]!);
      } else {
        tf.dispose([ks[ks.length - 1]!, vs[vs.length - 1]!]);
        ks[ks.length - 1] = k;
        vs[vs.length - 1] = lastV[i]!;
      }
    });
    tf.dispose([this.keyBias, this.nextPos]);
    this.keyBias = keyBias;
    this.nextPos = nextPos;
  }

  /** Keep only these rows, in this order (the sampler drops finished rows). */
  selectRows(rows: number[]): void {
    if (this.disposed) throw new Error('selectRows: cache is disposed');
    const n = this.rows;
    if (rows.length === 0) throw new Error('selectRows: no rows to keep');
    for (const r of rows) if (!Number.isInteger(r) || r < 0 || r >= n) throw new Error(`selectRows: row ${r} is outside [0, ${n})`);
    if (rows.length === n && rows.every((r, i) => r === i)) return;
    const idx = tf.tensor1d(rows, 'int32');
    const pick = <T extends tf.Tensor>(t: T): T => {
      const out = tf.gather(t, idx) as T;
      t.dispose();
      return out;
    };
    this.kT = this.kT.map((chunks) => chunks.map(pick));
    this.v = this.v.map((chunks) => chunks.map(pick));
    this.keyBias = pick(this.keyBias);
    this.nextPos = pick(this.nextPos);
    idx.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([...this.kT.flat(), ...this.v.flat(), this.keyBias, this.nextPos]);
  }
}
