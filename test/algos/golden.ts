// Golden references written straight from the verl definitions (DESIGN.md), in float64 JS loops.
// Deliberately naive and per-row, like verl's Python; the tensor code is checked against these.

export type Mat = number[][];

export const rowSum = (r: number[]) => r.reduce((a, b) => a + b, 0);

function groupsOf(index: ReadonlyArray<string | number>): Map<string | number, number[]> {
  const m = new Map<string | number, number[]>();
  index.forEach((k, i) => {
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(i);
  });
  return m;
}
const mean = (xs: number[]) => rowSum(xs) / xs.length;
const stdUnbiased = (xs: number[]) => {
  const mu = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - mu) ** 2, 0) / (xs.length - 1));
};
const broadcast = (perRow: number[], mask: Mat): Mat => mask.map((row, i) => row.map((m) => perRow[i]! * m));

export function goldenGrpo(rewards: Mat, mask: Mat, index: ReadonlyArray<string | number>, eps = 1e-6, norm = true): Mat {
  const scores = rewards.map(rowSum);
  const out = scores.slice();
  for (const rows of groupsOf(index).values()) {
    const s = rows.map((i) => scores[i]!);
    const [mu, sd] = s.length === 1 ? [0, 1] : [mean(s), stdUnbiased(s)];
    for (const i of rows) out[i] = norm ? (scores[i]! - mu) / (sd + eps) : scores[i]! - mu;
  }
  return broadcast(out, mask);
}

export function goldenRloo(rewards: Mat, mask: Mat, index: ReadonlyArray<string | number>): Mat {
  const scores = rewards.map(rowSum);
  const out = scores.slice();
  for (const rows of groupsOf(index).values()) {
    const n = rows.length;
    if (n === 1) continue;
    const mu = mean(rows.map((i) => scores[i]!));
    for (const i of rows) out[i] = (scores[i]! * n) / (n - 1) - (mu * n) / (n - 1);
  }
  return broadcast(out, mask);
}

export function goldenMaskedWhiten(values: Mat, mask: Mat): Mat {
  let s = 0, n = 0;
  values.forEach((r, i) => r.forEach((v, t) => { s += v * mask[i]![t]!; n += mask[i]![t]!; }));
  if (n < 2) throw new Error('mask sum < 2');
  const mu = s / (n + 1e-8);
  let ss = 0;
  values.forEach((r, i) => r.forEach((v, t) => { ss += (v - mu) ** 2 * mask[i]![t]!; }));
  const variance = (ss / (n + 1e-8)) * (n / (n - 1));
  const rs = 1 / Math.sqrt(variance + 1e-8);
  return values.map((r) => r.map((v) => (v - mu) * rs));
}

export function goldenRfppBaseline(rewards: Mat, mask: Mat, index: ReadonlyArray<string | number>): Mat {
  const scores = rewards.map(rowSum);
  const out = scores.slice();
  for (const rows of groupsOf(index).values()) {
    const mu = rows.length === 1 ? 0 : mean(rows.map((i) => scores[i]!));
    for (const i of rows) out[i] = scores[i]! - mu;
  }
  const w = goldenMaskedWhiten(broadcast(out, mask), mask);
  return w.map((r, i) => r.map((v, t) => v * mask[i]![t]!));
}

export function goldenPassk(rewards: Mat, mask: Mat, index: ReadonlyArray<string | number>, eps = 1e-6, norm = true): Mat {
  const scores = rewards.map(rowSum);
  const out = scores.map(() => 0);
  for (const rows of groupsOf(index).values()) {
    if (rows.length < 2) throw new Error('group of one');
    let iMax = rows[0]!;
    for (const i of rows) if (scores[i]! > scores[iMax]!) iMax = i;
    let second = -Infinity;
    for (const i of rows) if (i !== iMax && scores[i]! > second) second = scores[i]!;
    let adv = scores[iMax]! - second;
    if (norm) adv /= stdUnbiased(rows.map((i) => scores[i]!)) + eps;
    out[iMax] = adv;
  }
  return broadcast(out, mask);
}

/** verl's reversed loop with the reset after padding. */
export function goldenReturns(rewards: Mat, mask: Mat, gamma: number): Mat {
  return rewards.map((r, i) => {
    const out = new Array<number>(r.length).fill(0);
    let running = 0;
    for (let t = r.length - 1; t >= 0; t--) {
      running = r[t]! + gamma * running;
      out[t] = running;
      running *= mask[i]![t]!;
    }
    return out;
  });
}

export function goldenRfpp(rewards: Mat, mask: Mat, gamma: number): { adv: Mat; ret: Mat } {
  const ret = goldenReturns(rewards, mask, gamma);
  const w = goldenMaskedWhiten(ret, mask);
  return { adv: w.map((r, i) => r.map((v, t) => v * mask[i]![t]!)), ret };
}

export function goldenAgg(loss: Mat, mask: Mat, mode: string, scale?: number): number {
  const T = loss[0]!.length;
  const seqSum = loss.map((r, i) => r.reduce((a, v, t) => a + v * mask[i]![t]!, 0));
  const seqCnt = mask.map(rowSum);
  if (mode === 'token-mean') return rowSum(seqSum) / (rowSum(seqCnt) + 1e-8);
  if (mode === 'seq-mean-token-sum-norm') return rowSum(seqSum) / (scale ?? T);
  const keep = seqCnt.map((c) => (c > 0 ? 1 : 0));
  const per = mode === 'seq-mean-token-sum' ? seqSum : seqSum.map((s, i) => s / (seqCnt[i]! + 1e-8));
  return per.reduce((a, v, i) => a + v * keep[i]!, 0) / (rowSum(keep) + 1e-8);
}

export interface GoldenPolicy { loss: number; pg_clipfrac: number; ppo_kl: number; pg_clipfrac_lower: number; perToken: Mat }
export function goldenPolicyLoss(
  old: Mat, logp: Mat, adv: Mat, mask: Mat,
  o: { lo: number; hi: number; c: number; mode: string; scale?: number },
): GoldenPolicy {
  let clip = 0, kl = 0, lower = 0, n = 0;
  const perToken = logp.map((r, i) => r.map((lp, t) => {
    const m = mask[i]![t]!;
    const negKl = Math.min(Math.max(lp - old[i]![t]!, -20), 20);
    const ratio = Math.exp(negKl);
    const A = adv[i]![t]!;
    const l1 = -A * ratio;
    const l2 = -A * Math.min(Math.max(ratio, 1 - o.lo), 1 + o.hi);
    const c1 = Math.max(l1, l2);
    const l3 = -A * o.c;
    const l = A < 0 ? Math.min(l3, c1) : c1;
    clip += (l2 > l1 ? 1 : 0) * m;
    kl += -negKl * m;
    lower += (c1 > l3 && A < 0 ? 1 : 0) * m;
    n += m;
    return l;
  }));
  const d = n + 1e-8;
  return { loss: goldenAgg(perToken, mask, o.mode, o.scale), pg_clipfrac: clip / d, ppo_kl: kl / d, pg_clipfrac_lower: lower / d, perToken };
}

/** Value and d/dlogp of each KL estimator at one token. */
export function goldenKl(lp: number, ref: number, kind: string): { value: number; grad: number } {
  const plus = kind.endsWith('+');
  const base = plus ? kind.slice(0, -1) : kind;
  const d = lp - ref;
  let value: number, grad: number;
  switch (base) {
    case 'kl': case 'k1': value = d; grad = 1; break;
    case 'abs': value = Math.abs(d); grad = Math.sign(d); break;
    case 'mse': case 'k2': value = 0.5 * d * d; grad = d; break;
    case 'low_var_kl': case 'k3': {
      const raw = ref - lp;
      const k = Math.min(Math.max(raw, -20), 20);
      const v = Math.exp(k) - k - 1;
      value = Math.min(Math.max(v, -10), 10);
      // d/dlogp: the inner clamp and the outer clamp zero the gradient where they bind.
      grad = raw < -20 || raw > 20 || v > 10 ? 0 : -(Math.exp(k) - 1);
      break;
    }
    default: throw new Error(kind);
  }
  return plus ? { value, grad: d } : { value, grad };
}

export function goldenEntropy(logits: number[]): number {
  const mx = Math.max(...logits);
  const z = logits.map((v) => Math.exp(v - mx));
  const s = rowSum(z);
  const lse = mx + Math.log(s);
  return lse - logits.reduce((a, v, i) => a + (z[i]! / s) * v, 0);
}

/** Binomial-ratio pass@k in float64 via log-gamma-free exact products for small n. */
export function goldenPassAtK(n: number, c: number, k: number): number {
  if (n - c < k) return 1;
  // C(n−c, k)/C(n, k) = Π_{j=0}^{k−1} (n−c−j)/(n−j)
  let r = 1;
  for (let j = 0; j < k; j++) r *= (n - c - j) / (n - j);
  return 1 - r;
}
