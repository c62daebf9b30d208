// Group layout of a batch: which prompt each row belongs to, as one-hot matrices.
// Built once in JS over the rows (never over tokens); every group statistic is then a matmul,
// which every backend supports (wasm has no UnsortedSegmentSum).
import * as tf from '@tensorflow/tfjs';

export interface GroupLayout {
  numRows: number;
  numGroups: number;
  /** Group id (0..G-1, in order of first appearance) of each row. */
  groupOfRow: Int32Array;
  /** Rows per group. */
  sizes: Int32Array;
  /** First row of each group. */
  firstRow: Int32Array;
  /** The index value naming each group. */
  keys: Array<string | number>;
}

/** Groups rows by their index value (string and number keys stay distinct, as Python dict keys do). */
export function layoutGroups(index: ReadonlyArray<string | number>, numRows: number, who: string): GroupLayout {
  if (!Array.isArray(index) && !ArrayBuffer.isView(index)) {
    throw new Error(`${who}: index must be an array with one group id per row, got ${typeof index}`);
  }
  if (index.length !== numRows) {
    throw new Error(`${who}: index has ${index.length} entries but the batch has ${numRows} rows`);
  }
  const idOf = new Map<string | number, number>();
  const groupOfRow = new Int32Array(numRows);
  const sizes: number[] = [];
  const firstRow: number[] = [];
  const keys: Array<string | number> = [];
  for (let i = 0; i < numRows; i++) {
    const key = index[i];
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new Error(`${who}: index[${i}] must be a string or number, got ${key === null ? 'null' : typeof key}`);
    }
    let g = idOf.get(key);
    if (g === undefined) {
      g = keys.length;
      idOf.set(key, g);
      keys.push(key);
      sizes.push(0);
      firstRow.push(i);
    }
    groupOfRow[i] = g;
    sizes[g]!++;
  }
  return {
    numRows,
    numGroups: keys.length,
    groupOfRow,
    sizes: Int32Array.from(sizes),
    firstRow: Int32Array.from(firstRow),
    keys,
  };
}

export interface GroupMatrices {
  /** [G, B]: rowsToGroups @ v sums v over each group. */
  rowsToGroups: tf.Tensor2D;
  /** [B, G]: groupsToRows @ g copies a per-group value to each of its rows. Built explicitly:
   *  matmul with transpose flags is 10-70x slower on wasm. */
  groupsToRows: tf.Tensor2D;
}

export function groupMatrices(layout: GroupLayout): GroupMatrices {
  const { numRows: B, numGroups: G, groupOfRow } = layout;
  const toGroups = new Float32Array(G * B);
  const toRows = new Float32Array(B * G);
  for (let i = 0; i < B; i++) {
    const g = groupOfRow[i]!;
    toGroups[g * B + i] = 1;
    toRows[i * G + g] = 1;
  }
  return { rowsToGroups: tf.tensor2d(toGroups, [G, B]), groupsToRows: tf.tensor2d(toRows, [B, G]) };
}

/** A per-group constant computed in JS from the layout (e.g. group sizes), as a [G, 1] tensor. */
export function perGroup(layout: GroupLayout, f: (size: number, g: number) => number): tf.Tensor2D {
  const v = new Float32Array(layout.numGroups);
  for (let g = 0; g < layout.numGroups; g++) v[g] = f(layout.sizes[g]!, g);
  return tf.tensor2d(v, [layout.numGroups, 1]);
}
