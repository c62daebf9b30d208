// Policy-loss registry, as the estimator registry: the trainer looks actor.policy_loss up here, so another loss
// (gspo, cispo, clip-cov, ...) is one registerPolicyLoss call.
import { computePolicyLossTensors, type PolicyLoss } from './policy_loss.js';

const losses = new Map<string, PolicyLoss>([['vanilla', computePolicyLossTensors]]);

/** The policy loss registered under `name`; an unknown name is an error listing the known ones. */
export function getPolicyLoss(name: string): PolicyLoss {
  const fn = losses.get(name);
  if (!fn) throw new Error(`unknown policy loss "${name}"; known policy losses: ${listPolicyLosses().join(', ')}`);
  return fn;
}

/** Registered names, in registration order. */
export function listPolicyLosses(): string[] {
  return [...losses.keys()];
}

/** Registers a policy loss under `name`. Re-registering a taken name is an error unless `replace` is set. */
export function registerPolicyLoss(name: string, fn: PolicyLoss, opts: { replace?: boolean } = {}): void {
  if (typeof name !== 'string' || name.length === 0) throw new Error('registerPolicyLoss: name must be a non-empty string');
  if (typeof fn !== 'function') throw new Error(`registerPolicyLoss: the policy loss for "${name}" must be a function`);
  const existing = losses.get(name);
  if (existing && existing !== fn && !opts.replace) {
    throw new Error(`policy loss "${name}" is already registered (pass { replace: true } to override it)`);
  }
  losses.set(name, fn);
}
