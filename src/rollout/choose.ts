// Turning one row of logits into a token: temperature, top-k, top-p (nucleus), greedy, and the sampled token's
// log-prob under the distribution actually sampled from. Pure JS on the downloaded row (float64 arithmetic).

export interface Choice {
  id: number;
  /** log-prob of `id` under the sampling distribution (0 for greedy: a point mass). */
  logProb: number;
}

export interface ChooseOptions {
  temperature: number;
  topP: number;
  topK: number;
}

let scratch = new Float64Array(0);

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  let bestVal = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (v > bestVal) {
      bestVal = v;
      best = i;
    }
  }
  return best;
}

function checkFinite(row: ArrayLike<number>): void {
  for (let i = 0; i < row.length; i++) {
    if (Number.isNaN(row[i]!)) throw new Error(`logits contain NaN (vocab index ${i})`);
  }
}

/** The k-th largest of `xs` (1-based; quickselect, reorders xs). */
function kthLargest(xs: Float64Array, k: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = xs[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]! > pivot) i++;
      while (xs[j]! < pivot) j--;
      if (i <= j) {
        const t = xs[i]!;
        xs[i++] = xs[j]!;
        xs[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return xs[target]!;
  }
  return xs[target]!;
}

/**
 * Choose a token from `row` (logits over the vocabulary) with the uniform draw `u` in [0, 1).
 * Order of the warpers as in HF/vLLM: temperature, then top-k, then top-p on the renormalised top-k.
 */
export function chooseToken(row: ArrayLike<number>, opts: ChooseOptions, u: number): Choice {
  checkFinite(row);
  const V = row.length;
  if (opts.temperature === 0) return { id: argmax(row), logProb: 0 };
  const invT = 1 / opts.temperature;
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, row[i]! * invT);
  if (max === -Infinity) throw new Error('all logits are -Infinity');
  // [0, V): the weights; [V, 2V): a copy for the top-k selection.
  if (scratch.length < 2 * V) scratch = new Float64Array(2 * V);
  const w = scratch;
  let Z = 0;
  for (let i = 0; i < V; i++) {
    const e = Math.exp(row[i]! * invT - max);
    w[i] = e;
    Z += e;
  }
  const useTopK = opts.topK > 0 && opts.topK < V;
  const useTopP = opts.topP < 1;
  if (!useTopK && !useTopP) {
    const target = u * Z;
    let acc = 0;
    let id = -1;
    for (let i = 0; i < V; i++) {
      if (w[i]! <= 0) continue;
      acc += w[i]!;
      id = i;
      if (acc > target) break;
    }
    return { id, logProb: Math.log(w[id]! / Z) };
  }

  // Only the most likely tokens can be kept; sort just those (the vocabulary can be 150k). With top-k that is
  // the whole top-k set: HF keeps every token tied with the k-th largest (it drops only logits below it), and
  // top-p then works on the renormalised top-k. With top-p alone: a probability threshold {p_i >= tau} whose set
  // already holds the top-p mass.
  let cand: number[] = [];
  if (useTopK) {
    const copy = scratch.subarray(V, 2 * V);
    copy.set(w.subarray(0, V));
    const kth = kthLargest(copy, opts.topK);
    for (let i = 0; i < V; i++) if (w[i]! >= kth && w[i]! > 0) cand.push(i);
  } else {
    for (let tau = 1e-4; ; tau = tau > 1e-30 ? tau * 1e-4 : 0) {
      cand = [];
      let mass = 0;
      const thr = tau * Z;
      for (let i = 0; i < V; i++) {
        if (w[i]! >= thr && w[i]! > 0) {
          cand.push(i);
          mass += w[i]!;
        }
      }
      if (mass >= opts.topP * Z || tau === 0) break;
    }
  }
  cand.sort((a, b) => w[b]! - w[a]! || a - b);
  if (useTopP) {
    // The nucleus is taken of the distribution top-p is given: the renormalised top-k set, else the whole row.
    let massK = Z;
    if (useTopK) {
      massK = 0;
      for (const i of cand) massK += w[i]!;
    }
    let cum = 0;
    let keep = 0;
    // Keep the smallest prefix whose mass reaches topP (HF: drop a token once the mass before it reaches topP).
    while (keep < cand.length && cum < opts.topP * massK) cum += w[cand[keep++]!]!;
    cand.length = Math.max(1, keep);
  }
  let M = 0;
  for (const i of cand) M += w[i]!;
  const target = u * M;
  let acc = 0;
  let id = cand[cand.length - 1]!;
  for (const i of cand) {
    acc += w[i]!;
    if (acc > target) {
      id = i;
      break;
    }
  }
  return { id, logProb: Math.log(w[id]! / M) };
}
