// An independent float64 re-implementation of the Qwen2/Llama forward pass, written from the
// architecture definition with plain JS loops over HF-layout weights ([out, in] linears). Tiny shapes only.
import type { ModelConfig } from '../../src/model/config.js';

export type F64Weights = Map<string, { shape: number[]; data: Float64Array }>;

function matVec(w: { shape: number[]; data: Float64Array }, x: Float64Array, bias?: { data: Float64Array }): Float64Array {
  const [out, inn] = w.shape as [number, number];
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = bias ? bias.data[o]! : 0;
    for (let i = 0; i < inn; i++) s += w.data[o * inn + i]! * x[i]!;
    y[o] = s;
  }
  return y;
}

function rmsNorm(x: Float64Array, w: Float64Array, eps: number): Float64Array {
  let ms = 0;
  for (const v of x) ms += v * v;
  ms /= x.length;
  const r = 1 / Math.sqrt(ms + eps);
  return x.map((v, i) => v * r * w[i]!);
}

function rope(x: Float64Array, pos: number, d: number, theta: number): Float64Array {
  const half = d / 2;
  const y = new Float64Array(d);
  for (let i = 0; i < half; i++) {
    const ang = pos / Math.pow(theta, (2 * i) / d);
    const c = Math.cos(ang);
    const s = Math.sin(ang);
    y[i] = x[i]! * c - x[i + half]! * s;
    y[i + half] = x[i + half]! * c + x[i]! * s;
  }
  return y;
}

/** Logits [L][V] of one row given its ids and 0/1 mask (left or right padding allowed). */
export function referenceLogits(cfg: ModelConfig, w: F64Weights, ids: number[], mask: number[]): Float64Array[] {
  const L = ids.length;
  const H = cfg.hiddenSize;
  const d = cfg.headDim;
  const G = cfg.numHeads / cfg.numKvHeads;
  const get = (n: string) => {
    const t = w.get(n);
    if (!t) throw new Error(`reference: missing ${n}`);
    return t;
  };
  const positions: number[] = [];
  let c = 0;
  for (let i = 0; i < L; i++) {
    c += mask[i]!;
    positions.push(mask[i] ? c - 1 : 1);
  }
  const emb = get('model.embed_tokens.weight');
  let xs: Float64Array[] = ids.map((id) => emb.data.slice(id * H, (id + 1) * H));
  for (let l = 0; l < cfg.numLayers; l++) {
    const p = `model.layers.${l}.`;
    const bias = (n: string) => (cfg.qkvBias ? get(p + n) : undefined);
    const hs = xs.map((x) => rmsNorm(x, get(p + 'input_layernorm.weight').data, cfg.rmsNormEps));
    const q = hs.map((h) => matVec(get(p + 'self_attn.q_proj.weight'), h, bias('self_attn.q_proj.bias')));
    const k = hs.map((h) => matVec(get(p + 'self_attn.k_proj.weight'), h, bias('self_attn.k_proj.bias')));
    const v = hs.map((h) => matVec(get(p + 'self_attn.v_proj.weight'), h, bias('self_attn.v_proj.bias')));
    const attnOut = xs.map(() => new Float64Array(cfg.numHeads * d));
    for (let head = 0; head < cfg.numHeads; head++) {
      const kvh = Math.floor(head / G);
      const qh = q.map((qi, i) => rope(qi.subarray(head * d, (head + 1) * d), positions[i]!, d, cfg.ropeTheta));
      const kh = k.map((ki, i) => rope(ki.subarray(kvh * d, (kvh + 1) * d), positions[i]!, d, cfg.ropeTheta));
      const vh = v.map((vi) => vi.subarray(kvh * d, (kvh + 1) * d));
      for (let i = 0; i < L; i++) {
        const allowed: number[] = [];
        for (let j = 0; j <= i; j++) if (mask[j]) allowed.push(j);
        if (allowed.length === 0) continue; // a padding query with nothing to attend to: output unused
        const scores = allowed.map((j) => {
          let s = 0;
          for (let t = 0; t < d; t++) s += qh[i]![t]! * kh[j]![t]!;
          return s / Math.sqrt(d);
        });
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let a = 0; a < allowed.length; a++) {
          const pj = e[a]! / z;
          for (let t = 0; t < d; t++) attnOut[i]![head * d + t]! += pj * vh[allowed[a]!]![t]!;
        }
      }
    }
    xs = xs.map((x, i) => {
      const o = matVec(get(p + 'self_attn.o_proj.weight'), attnOut[i]!, cfg.oBias ? get(p + 'self_attn.o_proj.bias') : undefined);
      return x.map((val, t) => val + o[t]!);
    });
    xs = xs.map((x) => {
      const h = rmsNorm(x, get(p + 'post_attention_layernorm.weight').data, cfg.rmsNormEps);
      const g = matVec(get(p + 'mlp.gate_proj.weight'), h);
      const u = matVec(get(p + 'mlp.up_proj.weight'), h);
      const act = g.map((gv, t) => (gv / (1 + Math.exp(-gv))) * u[t]!);
      const dn = matVec(get(p + 'mlp.down_proj.weight'), act);
      return x.map((val, t) => val + dn[t]!);
    });
  }
  const head = cfg.tieWordEmbeddings ? emb : get('lm_head.weight');
  return xs.map((x) => matVec(head, rmsNorm(x, get('model.norm.weight').data, cfg.rmsNormEps)));
}

export function logSoftmax64(z: Float64Array): Float64Array {
  const m = Math.max(...z);
  let s = 0;
  for (const v of z) s += Math.exp(v - m);
  const lse = m + Math.log(s);
  return z.map((v) => v - lse);
}
