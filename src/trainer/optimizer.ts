// AdamW (decoupled weight decay, as torch.optim.AdamW), global-norm clipping and the lr schedule.
import * as tf from '@tensorflow/tfjs';
import type { Policy } from '../model/policy.js';

export interface AdamWOptions {
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

/**
 * The policy's trainable variables keyed by their Hugging Face weight name, in trainableVariables order (the
 * order gradients come in). Optimizer state is saved under these names: tfjs variable names depend on what
 * else the process built, so a resumed run could not find its state by them.
 */
export function trainableByName(policy: Policy): Map<string, tf.Variable> {
  const nameOf = new Map<tf.Tensor, string>();
  for (const [name, t] of policy.namedWeights()) nameOf.set(t, name);
  const out = new Map<string, tf.Variable>();
  for (const v of policy.trainableVariables) {
    const name = nameOf.get(v);
    if (name === undefined) throw new Error(`optimizer: a trainable variable of the policy is not among its named weights (${v.name})`);
    out.set(name, v);
  }
  return out;
}

export class AdamW {
  /** Steps taken so far (for bias correction); part of the checkpoint. */
  t = 0;
  readonly params: tf.Variable[];
  /** Stable name of each param (its Hugging Face weight name): the checkpoint keys. */
  readonly names: string[];
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];

  /** `params`: variables by stable name, in the order step() receives their gradients. */
  constructor(
    params: Map<string, tf.Variable>,
    readonly opts: AdamWOptions,
  ) {
    this.names = [...params.keys()];
    this.params = [...params.values()];
    this.m = this.params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = this.params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** One update with the given gradients (same order as params). */
  step(grads: tf.Tensor[], lr: number): void {
    this.t += 1;
    const [b1, b2] = this.opts.betas;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i]!;
        const m = this.m[i]!.mul(b1).add(g.mul(1 - b1));
        const v = this.v[i]!.mul(b2).add(g.square().mul(1 - b2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const update = m.div(c1).div(v.div(c2).sqrt().add(this.opts.eps));
        // Decoupled decay: p ← p·(1 − lr·wd) − lr·update.
        p.assign(p.mul(1 - lr * this.opts.weightDecay).sub(update.mul(lr)));
      });
    });
  }

  /** State tensors by name, for checkpoints. */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    this.names.forEach((name, i) => {
      out.set(`${name}.exp_avg`, this.m[i]!);
      out.set(`${name}.exp_avg_sq`, this.v[i]!);
    });
    return out;
  }

  loadState(t: number, tensors: Map<string, Float32Array>): void {
    // Checkpoints written before state was keyed by weight name used the tfjs variable name, "<name>#<counter>".
    const byName = new Map<string, Float32Array>();
    for (const [k, data] of tensors) byName.set(k.replace(/#\d+(?=\.exp_avg(_sq)?$)/, ''), data);
    this.params.forEach((p, i) => {
      for (const [suffix, slot] of [['exp_avg', this.m[i]!], ['exp_avg_sq', this.v[i]!]] as const) {
        const key = `${this.names[i]}.${suffix}`;
        const data = byName.get(key);
        if (!data) throw new Error(`optimizer state: the checkpoint has no ${key} (it holds ${[...byName.keys()].slice(0, 4).join(', ')}${byName.size > 4 ? ', …' : ''})`);
        if (data.length !== p.size) throw new Error(`optimizer state: ${key} has ${data.length} values, the weight has ${p.size}`);
        slot.assign(tf.tensor(data, p.shape));
      }
    });
    this.t = t;
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}

/** Scale grads so their global L2 norm is at most maxNorm; returns the clipped grads and the norm before clipping. */
export async function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): Promise<{ grads: tf.Tensor[]; norm: number }> {
  const normT = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => g.square().sum()))));
  const norm = (await normT.data())[0]!; // async read: webgpu cannot read synchronously
  normT.dispose();
  if (!Number.isFinite(norm)) return { grads, norm };
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  if (scale >= 1) return { grads, norm };
  return { grads: grads.map((g) => tf.tidy(() => g.mul(scale))), norm };
}

/** Learning rate at a step (1-based): linear warmup, then constant or cosine to min_lr_ratio·lr. */
export function learningRate(
  step: number,
  o: { lr: number; warmup_steps: number; lr_scheduler: 'constant' | 'cosine'; min_lr_ratio: number },
  totalSteps: number,
): number {
  if (o.warmup_steps > 0 && step <= o.warmup_steps) return (o.lr * step) / o.warmup_steps;
  if (o.lr_scheduler === 'constant') return o.lr;
  const span = Math.max(1, totalSteps - o.warmup_steps);
  const progress = Math.min(1, (step - o.warmup_steps) / span);
  const floor = o.min_lr_ratio * o.lr;
  return floor + (o.lr - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
