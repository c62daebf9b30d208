// pass@k (Chen et al. 2021, unbiased estimator), mean@n and best@n. Plain numbers.

/**
 * Unbiased pass@k for one problem with n samples of which c are correct: 1 − C(n−c, k)/C(n, k),
 * computed as 1 − Π_{i=n−c+1..n} (1 − k/i) so large n never overflows.
 */
export function passAtK(n: number, c: number, k: number): number {
  for (const [name, v] of [['n', n], ['c', c], ['k', k]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`passAtK: ${name} must be a non-negative integer, got ${v}`);
  }
  if (c > n) throw new Error(`passAtK: c (${c} correct) cannot exceed n (${n} samples)`);
  if (k < 1 || k > n) throw new Error(`passAtK: k must be in [1, n=${n}], got ${k}`);
  if (n - c < k) return 1;
  let allFail = 1;
  for (let i = n - c + 1; i <= n; i++) allFail *= 1 - k / i;
  return 1 - allFail;
}

/** Mean pass@k over problems, each given as its sample count and correct count. */
export function meanPassAtK(problems: ReadonlyArray<{ n: number; c: number }>, k: number): number {
  if (problems.length === 0) throw new Error('meanPassAtK: no problems given');
  let sum = 0;
  problems.forEach((p, i) => {
    try {
      sum += passAtK(p.n, p.c, k);
    } catch (e) {
      throw new Error(`meanPassAtK: problem ${i}: ${(e as Error).message}`);
    }
  });
  return sum / problems.length;
}

/**
 * Mean pass@k over problems given as per-sample scores; a sample counts as correct when its score
 * is ≥ threshold (default 1: all tests passed).
 */
export function passAtKFromScores(scoresPerProblem: ReadonlyArray<ReadonlyArray<number>>, k: number, threshold = 1): number {
  return meanPassAtK(
    scoresPerProblem.map((s) => ({ n: s.length, c: s.filter((x) => x >= threshold).length })),
    k,
  );
}

/** mean@n: the average score of the n samples of one problem. */
export function meanAtN(scores: ReadonlyArray<number>): number {
  if (scores.length === 0) throw new Error('meanAtN: no scores given');
  let s = 0;
  for (const x of scores) s += x;
  return s / scores.length;
}

/** best@n: the best score among the n samples of one problem. */
export function bestAtN(scores: ReadonlyArray<number>): number {
  if (scores.length === 0) throw new Error('bestAtN: no scores given');
  return Math.max(...scores);
}
