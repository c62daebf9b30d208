// Advantage-estimator registry: names as in verl's AdvantageEstimator.
import type { AdvantageEstimator } from './types.js';
import { namedRegistry } from './named_registry.js';
import { grpo } from './estimators/grpo.js';
import { rloo } from './estimators/rloo.js';
import { reinforcePlusPlusBaseline } from './estimators/reinforce_plus_plus_baseline.js';
import { grpoPassk } from './estimators/grpo_passk.js';
import { reinforcePlusPlus } from './estimators/reinforce_plus_plus.js';

const estimators = namedRegistry<AdvantageEstimator>('advantage estimator', 'estimators', 'registerAdvantageEstimator', [
  ['grpo', grpo],
  ['rloo', rloo],
  ['reinforce_plus_plus_baseline', reinforcePlusPlusBaseline],
  ['grpo_passk', grpoPassk],
  ['reinforce_plus_plus', reinforcePlusPlus],
]);

/** The estimator registered under `name`; an unknown name is an error listing the known ones. */
export const getAdvantageEstimator = (name: string): AdvantageEstimator => estimators.get(name);

/** Registered names, in registration order. */
export const listAdvantageEstimators = (): string[] => estimators.list();

/** Registers an estimator under `name`. Re-registering a taken name is an error (as in verl) unless `replace` is set. */
export const registerAdvantageEstimator = (name: string, fn: AdvantageEstimator, opts: { replace?: boolean } = {}): void =>
  estimators.register(name, fn, opts);
