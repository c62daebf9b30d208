// A tabular toy policy: for each known prompt, a categorical over a fixed list of candidate responses with one
// trainable logit per (prompt, candidate). At token level it is the trie conditional over the candidates that
// agree with the response so far, so a whole candidate's summed token log-probs equal log softmax(theta)[c].
// It implements Policy (differentiable scoring) and Decoder (so the real sampler and its worker pool drive it).
import * as tf from '@tensorflow/tfjs';
import type { Decoder, KVCache } from '../decoder.js';
import type { Policy, ScoreArgs } from '../policy.js';

export interface TabularEntry {
  prompt: number[];
  /** Prefix-free token sequences (end each with an eos/stop token so sampling finishes on it). */
  candidates: number[][];
}

export interface TabularPolicyOptions {
  vocabSize: number;
  entries: TabularEntry[];
  /** Initial logits per entry × candidate (default 0: uniform). */
  initialLogits?: number[][];
}

/** Logit of a token no candidate allows: its probability underflows to 0 but stays finite (safe for ratios). */
export const TABULAR_ABSENT_LOGIT = -1e4;
/** Name of the single weight in namedWeights(). */
export const TABULAR_WEIGHT_NAME = 'tabular.logits';

function isPrefix(a: number[], b: number[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface RowState {
  entry: number;
  response: number[];
}

class TabularCache implements KVCache {
  constructor(readonly rows: RowState[]) {}
  dispose(): void {
    this.rows.length = 0;
  }
}

export class TabularPolicy implements Policy, Decoder {
  readonly vocabSize: number;
  readonly entries: TabularEntry[];
  readonly maxCandidates: number;
  readonly logits: tf.Variable;
  readonly trainableVariables: tf.Variable[];
  private readonly byPrompt = new Map<string, number>();

  constructor(readonly options: TabularPolicyOptions) {
    const { vocabSize, entries } = options;
    if (!Number.isInteger(vocabSize) || vocabSize < 2) throw new Error(`tabular policy: vocabSize must be an integer >= 2, got ${vocabSize}`);
    if (entries.length === 0) throw new Error('tabular policy: entries is empty');
    entries.forEach((e, i) => {
      if (e.prompt.length === 0) throw new Error(`tabular policy: entries[${i}].prompt is empty`);
      if (e.candidates.length === 0) throw new Error(`tabular policy: entries[${i}].candidates is empty`);
      for (const seq of [e.prompt, ...e.candidates]) {
        for (const id of seq) {
          if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new Error(`tabular policy: entries[${i}] holds token id ${id} outside [0, ${vocabSize})`);
        }
      }
      e.candidates.forEach((c, j) => {
        if (c.length === 0) throw new Error(`tabular policy: entries[${i}].candidates[${j}] is empty`);
        e.candidates.forEach((d, k) => {
          if (k !== j && isPrefix(c, d)) throw new Error(`tabular policy: entries[${i}].candidates[${j}] is a prefix of candidates[${k}] (candidates must be prefix-free)`);
        });
      });
      entries.forEach((f, k) => {
        if (k !== i && isPrefix(e.prompt, f.prompt)) throw new Error(`tabular policy: entries[${i}].prompt is a prefix of entries[${k}].prompt (prompts must be prefix-free)`);
      });
      this.byPrompt.set(e.prompt.join(','), i);
    });
    this.vocabSize = vocabSize;
    this.entries = entries;
    this.maxCandidates = Math.max(...entries.map((e) => e.candidates.length));
    const init = new Float32Array(entries.length * this.maxCandidates);
    if (options.initialLogits) {
      if (options.initialLogits.length !== entries.length) throw new Error(`tabular policy: initialLogits has ${options.initialLogits.length} rows for ${entries.length} entries`);
      options.initialLogits.forEach((row, i) => {
        if (row.length !== entries[i]!.candidates.length) throw new Error(`tabular policy: initialLogits[${i}] has ${row.length} values for ${entries[i]!.candidates.length} candidates`);
        init.set(row, i * this.maxCandidates);
      });
    }
    this.logits = tf.variable(tf.tensor2d(init, [entries.length, this.maxCandidates]), true);
    this.trainableVariables = [this.logits];
  }

  /** Entry index of a prompt (exact token match); a clear error for unknown prompts. */
  entryOf(prompt: number[], where: string): number {
    const i = this.byPrompt.get(prompt.join(','));
    if (i === undefined) throw new Error(`tabular policy: the prompt of ${where} is not in its table ([${prompt.slice(0, 16).join(', ')}${prompt.length > 16 ? ', …' : ''}])`);
    return i;
  }

  /** Entry whose prompt starts `tokens` (prompts are prefix-free, so at most one). */
  private entryStarting(tokens: number[], where: string): number {
    for (let i = 0; i < this.entries.length; i++) if (isPrefix(this.entries[i]!.prompt, tokens)) return i;
    throw new Error(`tabular policy: no prompt of its table starts ${where}`);
  }

  /** Exact log softmax(theta) over the candidates of one entry (reference for tests and tools). */
  candidateLogProbs(entry: number): number[] {
    const n = this.entries[entry]!.candidates.length;
    const row = Array.from(this.logits.dataSync().subarray(entry * this.maxCandidates, entry * this.maxCandidates + n));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return row.map((v) => v - lse);
  }

  /**
   * Next-token logits [N, V] for each (entry, response so far): a token's logit is the log-sum-exp of theta over
   * the candidates that agree with the response and continue with that token; tokens no candidate allows get
   * TABULAR_ABSENT_LOGIT; a position after a complete candidate is uniform (0). The structure is built in JS,
   * theta stays on the device (webgpu cannot read it back synchronously once the optimizer has updated it).
   */
  private nextLogits(positions: RowState[]): tf.Tensor2D {
    const V = this.vocabSize;
    const C = this.maxCandidates;
    const E = this.entries.length;
    const N = positions.length;
    const rowEntry = new Float32Array(N * E);
    const member = new Float32Array(N * V * C); // [n, tok, j] = 1: candidate j agrees and continues with tok
    const hasTok = new Float32Array(N * V);
    const notConsistent = new Float32Array(N * C).fill(1);
    const live = new Float32Array(N); // 1 when some candidate continues (else the row is uniform)
    positions.forEach(({ entry, response }, n) => {
      rowEntry[n * E + entry] = 1;
      const t = response.length;
      this.entries[entry]!.candidates.forEach((c, j) => {
        if (c.length > t && isPrefix(response, c)) {
          member[(n * V + c[t]!) * C + j] = 1;
          hasTok[n * V + c[t]!] = 1;
          notConsistent[n * C + j] = 0;
          live[n] = 1;
        }
      });
    });
    return tf.tidy(() => {
      const theta = tf.matMul(tf.tensor2d(rowEntry, [N, E]), this.logits); // [N, C]
      const x = tf.add(theta, tf.mul(tf.tensor2d(notConsistent, [N, C]), -1e9));
      const xmax = tf.max(x, 1, true); // [N, 1]
      const e = tf.reshape(tf.exp(tf.sub(x, xmax)), [N, C, 1]);
      const sums = tf.reshape(tf.matMul(tf.tensor3d(member, [N, V, C]), e), [N, V]);
      const has = tf.tensor2d(hasTok, [N, V]);
      const notHas = tf.sub(1, has);
      // log(1) = 0 where no candidate continues with the token: finite before it is replaced.
      const lse = tf.add(tf.log(tf.add(sums, notHas)), xmax);
      const absent = tf.mul(tf.mul(notHas, tf.reshape(tf.tensor1d(live), [N, 1])), TABULAR_ABSENT_LOGIT);
      return tf.add(tf.mul(has, lse), absent) as tf.Tensor2D;
    });
  }

  /** Real (mask = 1) tokens of each row, with their column indices. */
  private static realTokens(ids: tf.Tensor2D, mask: tf.Tensor2D): { tokens: number[]; cols: number[] }[] {
    const [B, L] = ids.shape;
    const idv = ids.dataSync();
    const mv = mask.dataSync();
    const rows: { tokens: number[]; cols: number[] }[] = [];
    for (let b = 0; b < B; b++) {
      const tokens: number[] = [];
      const cols: number[] = [];
      for (let j = 0; j < L; j++) {
        if (mv[b * L + j]! > 0) {
          tokens.push(idv[b * L + j]!);
          cols.push(j);
        }
      }
      rows.push({ tokens, cols });
    }
    return rows;
  }

  prefill(ids: tf.Tensor2D, attentionMask: tf.Tensor2D, _maxTotalLength: number): { logits: tf.Tensor2D; cache: KVCache } {
    const rows = TabularPolicy.realTokens(ids, attentionMask).map((r, b) => ({ entry: this.entryOf(r.tokens, `row ${b}`), response: [] }));
    const cache = new TabularCache(rows);
    return { logits: this.nextLogits(cache.rows), cache };
  }

  decodeStep(ids: tf.Tensor2D, cache: KVCache): tf.Tensor2D {
    const c = cache as TabularCache;
    const next = ids.dataSync();
    if (next.length !== c.rows.length) throw new Error(`tabular decodeStep: ${next.length} ids for ${c.rows.length} cached rows`);
    c.rows.forEach((r, b) => r.response.push(next[b]!));
    return this.nextLogits(c.rows);
  }

  selectRows(cache: KVCache, rows: number[]): void {
    const c = cache as TabularCache;
    for (const r of rows) if (!Number.isInteger(r) || r < 0 || r >= c.rows.length) throw new Error(`tabular selectRows: row ${r} is outside [0, ${c.rows.length})`);
    const kept = rows.map((r) => c.rows[r]!);
    c.rows.splice(0, c.rows.length, ...kept);
  }

  forwardLogits(ids: tf.Tensor2D, attentionMask: tf.Tensor2D): tf.Tensor3D {
    const [B, L] = ids.shape;
    const V = this.vocabSize;
    const positions: RowState[] = [];
    const flatIndex: number[] = []; // b·L + col of each position
    TabularPolicy.realTokens(ids, attentionMask).forEach((r, b) => {
      const entry = this.entryStarting(r.tokens, `row ${b}`);
      const P = this.entries[entry]!.prompt.length;
      for (let k = P - 1; k < r.tokens.length; k++) {
        positions.push({ entry, response: r.tokens.slice(P, k + 1) });
        flatIndex.push(b * L + r.cols[k]!);
      }
    });
    if (positions.length === 0) return tf.zeros([B, L, V]);
    // Scatter by a one-hot matmul; padding and in-prompt positions stay uniform (0).
    const place = new Float32Array(B * L * positions.length);
    flatIndex.forEach((f, n) => (place[f * positions.length + n] = 1));
    return tf.tidy(() => {
      const logits = this.nextLogits(positions);
      return tf.reshape(tf.matMul(tf.tensor2d(place, [B * L, positions.length]), logits), [B, L, V]) as tf.Tensor3D;
    });
  }

  scoreResponses(args: ScoreArgs): { logProbs: tf.Tensor2D; entropy?: tf.Tensor2D } {
    const { ids, attentionMask, responseLength: T } = args;
    const tau = args.temperature ?? 1;
    if (!(tau > 0)) throw new Error(`scoreResponses: temperature must be > 0, got ${tau}`);
    const [B, W] = ids.shape;
    if (!(T > 0 && T <= W)) throw new Error(`scoreResponses: responseLength ${T} must be in [1, ${W}]`);
    const P = W - T;
    const idv = ids.dataSync();
    const mv = attentionMask.dataSync();
    const C = this.maxCandidates;
    const E = this.entries.length;
    const N = B * T;
    // Constant structure of every (row, position), built in JS; only theta carries gradients.
    const rowEntry = new Float32Array(N * E); // one-hot: a matmul instead of gather (wasm has no gather gradient)
    const consistent = new Float32Array(N * C);
    const same = new Float32Array(N * C * C);
    const invGroup = new Float32Array(N * C);
    const chosen = new Float32Array(N * C);
    const fA = new Float32Array(N);
    const fB = new Float32Array(N);
    const fC = new Float32Array(N);
    // Like `consistent`, but all ones on rows with no consistent candidate, so that their (discarded) values
    // stay finite: a NaN there would still poison the gradient through the 0-weighted branch.
    const stable = new Float32Array(N * C);
    for (let b = 0; b < B; b++) {
      const prompt: number[] = [];
      for (let j = 0; j < P; j++) if (mv[b * W + j]! > 0) prompt.push(idv[b * W + j]!);
      const entry = this.entryOf(prompt, `row ${b}`);
      const cands = this.entries[entry]!.candidates;
      const resp = Array.from(idv.subarray(b * W + P, (b + 1) * W));
      for (let t = 0; t < T; t++) {
        const n = b * T + t;
        rowEntry[n * E + entry] = 1;
        const prefix = resp.slice(0, t);
        const cons = cands.map((c) => c.length > t && isPrefix(prefix, c));
        let nChosen = 0;
        cands.forEach((c, j) => {
          if (!cons[j]) return;
          consistent[n * C + j] = 1;
          stable[n * C + j] = 1;
          let g = 0;
          cands.forEach((d, k) => {
            if (cons[k] && d[t] === c[t]) {
              same[(n * C + j) * C + k] = 1;
              g++;
            }
          });
          invGroup[n * C + j] = 1 / g;
          if (c[t] === resp[t]) nChosen++;
        });
        cands.forEach((c, j) => {
          if (cons[j] && c[t] === resp[t]) chosen[n * C + j] = 1 / nChosen;
        });
        if (nChosen > 0) fA[n] = 1;
        else if (cons.some((x) => x)) fB[n] = 1;
        else {
          fC[n] = 1;
          stable.fill(1, n * C, (n + 1) * C);
        }
      }
    }
    const logV = Math.log(this.vocabSize);
    return tf.tidy(() => {
      const notM = tf.sub(1, tf.tensor2d(consistent, [N, C]));
      const notStable = tf.sub(1, tf.tensor2d(stable, [N, C]));
      const thetaN = tf.matMul(tf.tensor2d(rowEntry, [N, E]), this.logits); // [N, C]
      const x = tf.add(thetaN, tf.mul(notStable, -1e9));
      const xmax = tf.max(x, 1, true);
      const e = tf.exp(tf.sub(x, xmax));
      // Sum of exp over each candidate's next-token group: [N,C,C] x [N,C,1].
      const g = tf.reshape(tf.matMul(tf.tensor3d(same, [N, C, C]), tf.reshape(e, [N, C, 1])), [N, C]);
      const groupLogit = tf.add(tf.log(tf.add(g, notM)), xmax); // log(1) = 0 where not consistent: finite
      const z = tf.div(groupLogit, tau);
      const zmax = tf.max(tf.add(z, tf.mul(notStable, -1e9)), 1, true);
      const inv = tf.tensor2d(invGroup, [N, C]);
      const fCt = tf.tensor1d(fC);
      // Normaliser over distinct next tokens: each group counted once through 1/|group|.
      const sumZ = tf.sum(tf.mul(inv, tf.exp(tf.sub(z, zmax))), 1);
      const logZ = tf.add(tf.log(tf.add(sumZ, fCt)), tf.reshape(zmax, [N]));
      const zChosen = tf.sum(tf.mul(tf.tensor2d(chosen, [N, C]), z), 1);
      const lp = tf.addN([
        tf.mul(tf.tensor1d(fA), tf.sub(zChosen, logZ)),
        tf.mul(tf.tensor1d(fB), tf.sub(TABULAR_ABSENT_LOGIT / tau, logZ)),
        tf.mul(fCt, -logV),
      ]);
      const logProbs = tf.reshape(lp, [B, T]) as tf.Tensor2D;
      if (!args.withEntropy) return { logProbs };
      const zc = tf.sub(z, tf.reshape(logZ, [N, 1]));
      const h = tf.neg(tf.sum(tf.mul(tf.mul(inv, tf.exp(zc)), zc), 1));
      const ent = tf.add(tf.mul(tf.sub(1, fCt), h), tf.mul(fCt, logV));
      return { logProbs, entropy: tf.reshape(ent, [B, T]) as tf.Tensor2D };
    });
  }

  namedWeights(): Map<string, tf.Tensor> {
    return new Map([[TABULAR_WEIGHT_NAME, this.logits]]);
  }

  dispose(): void {
    this.logits.dispose();
  }
}

export function createTabularPolicy(options: TabularPolicyOptions): TabularPolicy {
  return new TabularPolicy(options);
}
