// Policy-loss registry, as the estimator registry: the trainer looks actor.policy_loss up here, so another loss
// (gspo, cispo, clip-cov, ...) is one registerPolicyLoss call.
import { namedRegistry } from './named_registry.js';
import { computePolicyLossTensors, type PolicyLoss } from './policy_loss.js';

const losses = namedRegistry<PolicyLoss>('policy loss', 'policy losses', 'registerPolicyLoss', [['vanilla', computePolicyLossTensors]]);

/** The policy loss registered under `name`; an unknown name is an error listing the known ones. */
export const getPolicyLoss = (name: string): PolicyLoss => losses.get(name);

/** Registered names, in registration order. */
export const listPolicyLosses = (): string[] => losses.list();

/** Registers a policy loss under `name`. Re-registering a taken name is an error unless `replace` is set. */
export const registerPolicyLoss = (name: string, fn: PolicyLoss, opts: { replace?: boolean } = {}): void => losses.register(name, fn, opts);
