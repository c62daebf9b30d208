// Advantage-estimator registry: names as in verl's AdvantageEstimator.
import type { AdvantageEstimator } from './types.js';
import { grpo } from './estimators/grpo.js';
import { rloo } from './estimators/rloo.js';
import { reinforcePlusPlusBaseline } from './estimators/reinforce_plus_plus_baseline.js';
import { grpoPassk } from './estimators/grpo_passk.js';
import { reinforcePlusPlus } from './estimators/reinforce_plus_plus.js';

const estimators = new Map<string, AdvantageEstimator>([
  ['grpo', grpo],
  ['rloo', rloo],
  ['reinforce_plus_plus_baseline', reinforcePlusPlusBaseline],
  ['grpo_passk', grpoPassk],
  ['reinforce_plus_plus', reinforcePlusPlus],
]);

/** The estimator registered under `name`; an unknown name is an error listing the known ones. */
export function getAdvantageEstimator(name: string): AdvantageEstimator {
  const fn = estimators.get(name);
  if (!fn) {
    throw new Error(`unknown advantage estimator "${name}"; known estimators: ${listAdvantageEstimators().join(', ')}`);
  }
  return fn;
}

/** Registered names, in registration order. */
export function listAdvantageEstimators(): string[] {
  return [...estimators.keys()];
}

/**
 * Registers an estimator under `name`. Re-registering a taken name is an error (as in verl)
 * unless `replace` is set.
 */
export function registerAdvantageEstimator(
  name: string,
  fn: AdvantageEstimator,
  opts: { replace?: boolean } = {},
): void {
  if (typeof name !== 'string' || name.length === 0) throw new Error('registerAdvantageEstimator: name must be a non-empty string');
  if (typeof fn !== 'function') throw new Error(`registerAdvantageEstimator: the estimator for "${name}" must be a function`);
  const existing = estimators.get(name);
  if (existing && existing !== fn && !opts.replace) {
    throw new Error(`advantage estimator "${name}" is already registered (pass { replace: true } to override it)`);
  }
  estimators.set(name, fn);
}
