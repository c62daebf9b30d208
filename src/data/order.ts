// Deterministic data order: the batch of a step is a pure function of (seed, step, dataset size, batch size),
// so a resumed run only needs its step number to continue the exact same order.
import { makeRng, mixSeed, shuffleInPlace } from './rng.js';

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${value}`);
}

/** The permutation of 0..n-1 used in `epoch` (a fresh shuffle per epoch, like a reshuffling dataloader). */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  checkCount('n', n, 0);
  checkCount('epoch', epoch, 0);
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const order = Array.from({ length: n }, (_, i) => i);
  return shuffleInPlace(makeRng(mixSeed(seed, epoch)), order);
}

export interface BatchOrderOptions {
  batchSize: number;
  seed: number;
  /** false keeps file order every epoch (verl's data.shuffle=false). Default true. */
  shuffle?: boolean;
}

/** Full batches per epoch; the remainder of each epoch is dropped (verl's dataloader uses drop_last). */
export function stepsPerEpoch(n: number, batchSize: number): number {
  checkCount('batchSize', batchSize, 1);
  checkCount('n', n, 0);
  if (batchSize > n) throw new Error(`batch size ${batchSize} is larger than the dataset (${n} problems)`);
  return Math.floor(n / batchSize);
}

export interface BatchPosition {
  step: number;
  epoch: number;
  /** Indices into the dataset, in batch order. */
  indices: number[];
}

/** Which problems step `step` (0-based) trains on. */
export function batchIndices(n: number, step: number, options: BatchOrderOptions): BatchPosition {
  checkCount('step', step, 0);
  const perEpoch = stepsPerEpoch(n, options.batchSize);
  const epoch = Math.floor(step / perEpoch);
  const order = options.shuffle === false ? Array.from({ length: n }, (_, i) => i) : epochOrder(n, options.seed, epoch);
  const start = (step % perEpoch) * options.batchSize;
  return { step, epoch, indices: order.slice(start, start + options.batchSize) };
}

export function batchAt<T>(items: readonly T[], step: number, options: BatchOrderOptions): T[] {
  return batchIndices(items.length, step, options).indices.map((i) => items[i]!);
}

/** Endless batches from `startStep` on (resume = pass the saved step). Caches one epoch's permutation at a time. */
export function* iterateBatches<T>(
  items: readonly T[],
  options: BatchOrderOptions & { startStep?: number },
): Generator<{ step: number; epoch: number; items: T[] }> {
  const n = items.length;
  const perEpoch = stepsPerEpoch(n, options.batchSize);
  let cachedEpoch = -1;
  let order: number[] = [];
  for (let step = options.startStep ?? 0; ; step++) {
    const epoch = Math.floor(step / perEpoch);
    if (epoch !== cachedEpoch) {
      order = options.shuffle === false ? Array.from({ length: n }, (_, i) => i) : epochOrder(n, options.seed, epoch);
      cachedEpoch = epoch;
    }
    const start = (step % perEpoch) * options.batchSize;
    yield { step, epoch, items: order.slice(start, start + options.batchSize).map((i) => items[i]!) };
  }
}
